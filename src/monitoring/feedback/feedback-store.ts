import type { Insertable, Kysely, Transaction } from 'kysely';
import { withTransaction, type FerryDatabase, type FeedbackTable, type Tables } from '../../store/index.js';
import type { FeedbackRecord } from '../log/prediction-record.js';
import { locatePredictions } from '../log/prediction-store.js';
import { rowToFeedback } from '../log/prediction-rows.js';

/** Feedback for one prediction, checked (see parseFeedbackItem). */
export interface FeedbackInput {
  readonly requestId: string;
  readonly label?: string | number | boolean | undefined;
  readonly value?: number | undefined;
  /** When the outcome was observed (ISO-8601); the time received when absent. */
  readonly at?: string | undefined;
}

/** What happened to one item: stored anew, replaced an earlier answer, or matched no prediction. */
export type StoreOutcome = 'stored' | 'updated' | 'unknown_request';

/** Ids per lookup query (an IN list), well below both dialects' parameter limits. */
const LOOKUP_CHUNK = 500;

/** Rows per DELETE of a retention pass. */
const DELETE_CHUNK_ROWS = 5000;

type Executor = Kysely<Tables> | Transaction<Tables>;

/**
 * Feedback (ground truth) in the metadata database, one row per prediction request id. A later
 * submission for the same id replaces the earlier one (corrections win); feedback for an id no
 * logged prediction has is not stored. Every write is committed before it returns.
 */
export class FeedbackStore {
  constructor(
    private readonly database: FerryDatabase,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /**
   * Store items in one transaction and say per item what happened, in order. An id given twice
   * in one call is stored once with its last answer; its first mention reports `stored` (or
   * `updated`), the later ones `updated`.
   */
  store(items: readonly FeedbackInput[]): Promise<StoreOutcome[]> {
    const receivedAt = this.clock().toISOString();
    return withTransaction(this.database.db, async (trx) => {
      const ids = [...new Set(items.map((item) => item.requestId))];
      const predictions = await locatePredictions(trx, ids);
      const existing = await lookupFeedback(trx, ids);
      const rows = new Map<string, Insertable<FeedbackTable>>();
      const seen = new Set<string>();
      const outcomes = items.map((item): StoreOutcome => {
        const prediction = predictions.get(item.requestId);
        if (prediction === undefined) return 'unknown_request';
        rows.set(item.requestId, {
          request_id: item.requestId,
          model: prediction.model,
          version: prediction.version,
          label_json: item.label === undefined ? null : JSON.stringify(item.label),
          value: item.value ?? null,
          at: item.at ?? receivedAt,
          received_at: receivedAt,
          segment_id: prediction.segmentId,
        });
        const before = existing.has(item.requestId) || seen.has(item.requestId);
        seen.add(item.requestId);
        return before ? 'updated' : 'stored';
      });
      const values = [...rows.values()];
      for (let start = 0; start < values.length; start += LOOKUP_CHUNK) {
        await trx
          .insertInto('feedback')
          .values(values.slice(start, start + LOOKUP_CHUNK))
          .onConflict((conflict) =>
            conflict.column('request_id').doUpdateSet((eb) => ({
              model: eb.ref('excluded.model'),
              version: eb.ref('excluded.version'),
              label_json: eb.ref('excluded.label_json'),
              value: eb.ref('excluded.value'),
              at: eb.ref('excluded.at'),
              received_at: eb.ref('excluded.received_at'),
              segment_id: eb.ref('excluded.segment_id'),
            })),
          )
          .execute();
      }
      return outcomes;
    });
  }

  /** The feedback of one request id, or undefined. */
  async get(requestId: string): Promise<FeedbackRecord | undefined> {
    const row = await this.database.db
      .selectFrom('feedback')
      .selectAll()
      .where('request_id', '=', requestId)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToFeedback(row);
  }

  /** Delete feedback received before `cutoff` (ISO-8601); returns how many. */
  deleteOlderThan(cutoff: string): Promise<number> {
    return this.deleteWhereReceivedBefore(cutoff, false);
  }

  /** Delete the feedback received longest ago beyond the newest `maxRows`; returns how many. */
  async keepNewest(maxRows: number): Promise<number> {
    const boundary = await this.database.db
      .selectFrom('feedback')
      .select('received_at')
      .orderBy('received_at', 'desc')
      .limit(1)
      .offset(maxRows)
      .executeTakeFirst();
    if (boundary === undefined) return 0;
    return this.deleteWhereReceivedBefore(boundary.received_at, true);
  }

  private async deleteWhereReceivedBefore(cutoff: string, inclusive: boolean): Promise<number> {
    let total = 0;
    for (;;) {
      const result = await this.database.db
        .deleteFrom('feedback')
        .where('request_id', 'in', (eb) =>
          eb
            .selectFrom('feedback')
            .select('request_id')
            .where('received_at', inclusive ? '<=' : '<', cutoff)
            .limit(DELETE_CHUNK_ROWS),
        )
        .executeTakeFirst();
      const deleted = Number(result.numDeletedRows);
      total += deleted;
      if (deleted < DELETE_CHUNK_ROWS) return total;
    }
  }
}

/** Which ids already have feedback. */
async function lookupFeedback(executor: Executor, ids: readonly string[]): Promise<Set<string>> {
  const found = new Set<string>();
  for (let start = 0; start < ids.length; start += LOOKUP_CHUNK) {
    const rows = await executor
      .selectFrom('feedback')
      .select('request_id')
      .where('request_id', 'in', ids.slice(start, start + LOOKUP_CHUNK))
      .execute();
    for (const row of rows) found.add(row.request_id);
  }
  return found;
}
