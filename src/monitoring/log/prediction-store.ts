import type { Kysely, Transaction } from 'kysely';
import { FerryError } from '../../core/index.js';
import { unsyncedTransaction, type FerryDatabase, type Tables } from '../../store/index.js';
import type { JoinedPrediction, LoggedGroup, PredictionRecord } from './prediction-record.js';
import { decodeSummary, encodeColumns, encodeSegment, type EncodedSegment } from './segment-codec.js';
import { keyOf, keysOf } from './segment-keys.js';
import {
  LoadedSegment,
  rowsInOrder,
  segmentsAfter,
  windowSummaries,
  type PredictionWindow,
  type RowRef,
  type WindowSummary,
} from './segment-rows.js';

export type { PredictionWindow } from './segment-rows.js';

/** Keys (or segment ids) per IN list, well below both dialects' parameter limits. */
const IN_CHUNK = 500;

/** Largest body buffer a store keeps between writes (bigger ones are made and dropped each time). */
const MAX_SCRATCH_BYTES = 16 * 1024 * 1024;

/** Segments per DELETE of a retention pass. */
const DELETE_CHUNK_SEGMENTS = 200;

/** A page of a listing, newest first. */
export interface PredictionQuery extends PredictionWindow {
  /** Rows per page (1–1000). */
  readonly limit: number;
  /** The `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

/** One page of predictions, newest first, each with its feedback. */
export interface PredictionPage {
  readonly predictions: JoinedPrediction[];
  /** Pass as `cursor` for the next (older) page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Where a logged request is: its model version and segment. */
export interface LocatedPrediction {
  readonly model: string;
  readonly version: number;
  readonly segmentId: number;
}

type Executor = Kysely<Tables> | Transaction<Tables>;

/**
 * The prediction log in the metadata database, one segment (src/monitoring/log/segment-codec.ts)
 * per flush and model version. Reads go through {@link rowsInOrder}, which merges segments into
 * exact time order; a listing pages by keyset (time, segment, row), so a page costs the same
 * however deep it is.
 */
export class PredictionStore {
  /** The body buffer {@link write} reuses; undefined while a write holds it. */
  private scratch: Buffer | undefined;

  constructor(private readonly database: FerryDatabase) {}

  private get db(): Kysely<Tables> {
    return this.database.db;
  }

  /** Store records: one segment per model version, all in one transaction (one commit). */
  async insert(records: readonly PredictionRecord[]): Promise<void> {
    if (records.length === 0) return;
    const groups = new Map<string, PredictionRecord[]>();
    for (const record of records) {
      const key = `${record.model}\u0000${record.version}`;
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = []));
      group.push(record);
    }
    await this.insertAll([...groups.values()].map(encodeSegment));
  }

  /**
   * Store the log's groups: one segment each, all in one transaction (the PredictionWriter), whose
   * commit does not wait for the disk (see unsyncedTransaction: no caller was promised these rows).
   * Each body is encoded just before its INSERT into a buffer kept between writes: a fresh buffer
   * of a few megabytes a flush (wide float32 rows) cost more in page faults than copying into it.
   */
  async write(groups: readonly LoggedGroup[]): Promise<void> {
    if (groups.length === 0) return;
    // Writes do not overlap (the log flushes one step at a time); if one ever did, it allocates.
    const scratch = this.scratch;
    this.scratch = undefined;
    let kept = scratch ?? Buffer.alloc(0);
    try {
      await unsyncedTransaction(this.database, async (trx) => {
        for (const group of groups) {
          const segment = encodeColumns(group.columns, kept);
          await insertSegment(trx, segment);
          // A body that did not fit was made for it: keep it instead (it is free once inserted).
          if (segment.body.buffer !== kept.buffer && segment.body.length <= MAX_SCRATCH_BYTES) {
            kept = segment.body;
          }
        }
      });
    } finally {
      this.scratch = kept;
    }
  }

  private async insertAll(segments: readonly EncodedSegment[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      for (const segment of segments) await insertSegment(trx, segment);
    });
  }

  /** One page of predictions, newest first (a 400 INVALID_ARGUMENT for a cursor not made here). */
  async list(query: PredictionQuery): Promise<PredictionPage> {
    let window: PredictionWindow = query;
    let where: ((ref: RowRef) => boolean) | undefined;
    if (query.cursor !== undefined) {
      const position = decodeCursor(query.cursor);
      if (position === undefined) {
        throw new FerryError(
          'INVALID_ARGUMENT',
          'cursor is not one this server returned; pass the nextCursor of the previous page',
        );
      }
      const bound = new Date(position.ms + 1).toISOString();
      window = { ...query, to: query.to === undefined || query.to > bound ? bound : query.to };
      where = (ref) =>
        ref.ms < position.ms ||
        (ref.ms === position.ms &&
          (ref.segment.id < position.segment ||
            (ref.segment.id === position.segment && ref.row < position.row)));
    }
    const refs: RowRef[] = [];
    for await (const ref of rowsInOrder(this.db, window, {
      direction: 'desc',
      withFeedback: true,
      where,
    })) {
      refs.push(ref);
      if (refs.length > query.limit) break;
    }
    const page = refs.slice(0, query.limit);
    const last = page[page.length - 1];
    return {
      predictions: page.map(joinedOf),
      nextCursor: refs.length > query.limit && last !== undefined ? encodeCursor(last) : null,
    };
  }

  /**
   * Every prediction of a window with its feedback, oldest first, in pages of `pageSize`: memory
   * stays bounded however large the window.
   */
  async *scan(window: PredictionWindow, pageSize = 1000): AsyncGenerator<JoinedPrediction[]> {
    let page: JoinedPrediction[] = [];
    for await (const ref of rowsInOrder(this.db, window, {
      direction: 'asc',
      withFeedback: true,
    })) {
      page.push(joinedOf(ref));
      if (page.length >= pageSize) {
        yield page;
        page = [];
      }
    }
    if (page.length > 0) yield page;
  }

  /** The summaries of the segments with rows in a window, unordered: for counts (see windowSummaries). */
  windowSummaries(window: PredictionWindow): AsyncGenerator<WindowSummary> {
    return windowSummaries(this.db, window);
  }

  /**
   * Distinct versions logged for a model in a window, ascending. Segments inside the window count
   * from their bounds; only those across its edges have their row times read.
   */
  async versions(window: PredictionWindow & { model: string }): Promise<number[]> {
    const found = new Set<number>();
    let query = this.db
      .selectFrom('prediction_segments')
      .select(['id', 'version', 'first_at', 'last_at'])
      .where('model', '=', window.model);
    if (window.from !== undefined) query = query.where('last_at', '>=', window.from);
    if (window.to !== undefined) query = query.where('first_at', '<', window.to);
    const fromMs = window.from === undefined ? -Infinity : Date.parse(window.from);
    const toMs = window.to === undefined ? Infinity : Date.parse(window.to);
    const edges: { id: number; version: number }[] = [];
    for (const segment of await query.execute()) {
      const version = Number(segment.version);
      if (Date.parse(segment.first_at) >= fromMs && Date.parse(segment.last_at) < toMs) found.add(version);
      else edges.push({ id: Number(segment.id), version });
    }
    for (const edge of edges) {
      if (found.has(edge.version)) continue;
      const stored = await this.db
        .selectFrom('prediction_segments')
        .select(['rows', 'summary'])
        .where('id', '=', edge.id)
        .executeTakeFirst();
      if (stored !== undefined && anyTimeIn(stored, fromMs, toMs)) found.add(edge.version);
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Delete predictions logged before `cutoff` (ISO-8601); returns how many. */
  async deleteOlderThan(cutoff: string): Promise<number> {
    let total = 0;
    for (;;) {
      const old = await this.db
        .selectFrom('prediction_segments')
        .select(['id', 'rows'])
        .where('last_at', '<', cutoff)
        .limit(DELETE_CHUNK_SEGMENTS)
        .execute();
      if (old.length === 0) break;
      await this.deleteSegments(old.map((segment) => Number(segment.id)));
      total += old.reduce((sum, segment) => sum + Number(segment.rows), 0);
    }
    const cutoffMs = Date.parse(cutoff);
    const straddling = await this.db
      .selectFrom('prediction_segments')
      .select('id')
      .where('first_at', '<', cutoff)
      .where('last_at', '>=', cutoff)
      .execute();
    for (const { id } of straddling) {
      total += await this.trimSegment(Number(id), (ms) => ms < cutoffMs);
    }
    return total;
  }

  /** Delete the oldest predictions beyond the newest `maxRows`; returns how many. */
  async keepNewest(maxRows: number): Promise<number> {
    const { rows } = await this.db
      .selectFrom('prediction_segments')
      .select((eb) => eb.fn.sum<number | string | null>('rows').as('rows'))
      .executeTakeFirstOrThrow();
    const excess = Number(rows ?? 0) - maxRows;
    if (excess <= 0) return 0;
    const whole: number[] = [];
    let deleted = 0;
    for (const segment of await this.oldestRows(excess)) {
      if (segment.doomed === segment.rows) {
        whole.push(segment.id);
        deleted += segment.rows;
      } else if (segment.doomed > 0) {
        const { before, ties } = segment;
        deleted += await this.trimSegment(segment.id, (ms, row) => ms < before || ties.has(row));
      }
    }
    for (let start = 0; start < whole.length; start += DELETE_CHUNK_SEGMENTS) {
      await this.deleteSegments(whole.slice(start, start + DELETE_CHUNK_SEGMENTS));
    }
    return deleted;
  }

  /**
   * Which rows are the `count` oldest, by time, then segment, then row (the order of
   * {@link rowsInOrder}), per segment: every row before `before`, and the `ties` at that time.
   * Reads summaries only, segments by start: until they hold `count` rows, then those that start
   * no later than the `count`-th oldest time read (they may hold older rows still), and finds that
   * time in one sort of the times read, not a row object per row.
   */
  private async oldestRows(
    count: number,
  ): Promise<{ id: number; rows: number; doomed: number; before: number; ties: Set<number> }[]> {
    const segments: { id: number; rows: number; times: Float64Array }[] = [];
    let held = 0;
    let position: { key: string; id: number } | undefined;
    const readBatch = async (upTo?: string): Promise<number> => {
      let query = this.db
        .selectFrom('prediction_segments')
        .select(['id', 'first_at', 'rows', 'summary'])
        .orderBy('first_at')
        .orderBy('id')
        .limit(256);
      if (upTo !== undefined) query = query.where('first_at', '<=', upTo);
      if (position !== undefined) query = query.where(segmentsAfter('first_at', 'asc', position));
      const batch = await query.execute();
      for (const row of batch) {
        const rows = Number(row.rows);
        segments.push({ id: Number(row.id), rows, times: decodeSummary(row.summary, rows).times });
        held += rows;
        position = { key: row.first_at, id: Number(row.id) };
      }
      return batch.length;
    };
    const countedTime = () => {
      const times = new Float64Array(held);
      let offset = 0;
      for (const segment of segments) {
        times.set(segment.times, offset);
        offset += segment.rows;
      }
      return times.sort()[Math.min(count, held) - 1] ?? -Infinity;
    };
    while (held < count && (await readBatch()) > 0);
    if (held === 0) return [];
    let cutoff = countedTime();
    while ((await readBatch(new Date(cutoff).toISOString())) > 0) cutoff = countedTime();
    // Rows before the cutoff all go; of the rows at it, the first by segment and row make up the rest.
    let before = 0;
    for (const segment of segments) for (const ms of segment.times) if (ms < cutoff) before += 1;
    let tiesLeft = count - before;
    return segments
      .sort((a, b) => a.id - b.id)
      .map(({ id, rows, times }) => {
        const ties = new Set<number>();
        let doomed = 0;
        times.forEach((ms, row) => {
          if (ms < cutoff) doomed += 1;
          else if (ms === cutoff && tiesLeft > 0) {
            ties.add(row);
            doomed += 1;
            tiesLeft -= 1;
          }
        });
        return { id, rows, doomed, before: cutoff, ties };
      });
  }

  private async deleteSegments(ids: readonly number[]): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('prediction_keys').where('segment_id', 'in', ids).execute();
      await trx.deleteFrom('prediction_segments').where('id', 'in', ids).execute();
    });
  }

  /**
   * Rewrite a segment without the rows `drop` picks (its id stays, so feedback still joins);
   * delete it when none is left. Returns how many rows went. Its keys stay: a key only says a
   * segment may hold an id.
   */
  private async trimSegment(id: number, drop: (ms: number, row: number) => boolean): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const stored = await trx
        .selectFrom('prediction_segments')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      if (stored === undefined) return 0;
      const segment = new LoadedSegment(stored);
      const { times } = segment.summary;
      const kept = segment.rows.select((row) => !drop(times[row]!, row));
      const removed = segment.summary.rows - kept.rows;
      if (removed === 0) return 0;
      if (kept.rows === 0) {
        await trx.deleteFrom('prediction_keys').where('segment_id', '=', id).execute();
        await trx.deleteFrom('prediction_segments').where('id', '=', id).execute();
        return removed;
      }
      const encoded = encodeColumns(kept);
      await trx
        .updateTable('prediction_segments')
        .set({
          first_at: encoded.firstAt,
          last_at: encoded.lastAt,
          rows: encoded.rows,
          request_ids: encoded.requestIds,
          summary: encoded.summary,
          body: encoded.body,
        })
        .where('id', '=', id)
        .execute();
      return removed;
    });
  }
}

/** Add a segment and its lookup keys. */
export async function insertSegment(executor: Executor, segment: EncodedSegment): Promise<number> {
  const { id } = await executor
    .insertInto('prediction_segments')
    .values({
      model: segment.model,
      version: segment.version,
      first_at: segment.firstAt,
      last_at: segment.lastAt,
      rows: segment.rows,
      request_ids: segment.requestIds,
      summary: segment.summary,
      body: segment.body,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  const segmentId = Number(id);
  const keys = keysOf(segment.ids);
  for (let start = 0; start < keys.length; start += IN_CHUNK) {
    await executor
      .insertInto('prediction_keys')
      .values(keys.slice(start, start + IN_CHUNK).map((key) => ({ key, segment_id: segmentId })))
      .execute();
  }
  return segmentId;
}

/**
 * Where each request id was logged: the newest segment holding it (ids not logged are absent).
 * Reads the keys of the ids, then the request ids of the segments they name.
 */
export async function locatePredictions(
  executor: Executor,
  ids: readonly string[],
): Promise<Map<string, LocatedPrediction>> {
  const found = new Map<string, LocatedPrediction>();
  const wanted = new Set(ids);
  const keys = [...new Set(ids.map(keyOf))];
  const segmentIds = new Set<number>();
  for (let start = 0; start < keys.length; start += IN_CHUNK) {
    const rows = await executor
      .selectFrom('prediction_keys')
      .select('segment_id')
      .where('key', 'in', keys.slice(start, start + IN_CHUNK))
      .execute();
    for (const row of rows) segmentIds.add(Number(row.segment_id));
  }
  const ordered = [...segmentIds].sort((a, b) => a - b);
  for (let start = 0; start < ordered.length; start += IN_CHUNK) {
    const segments = await executor
      .selectFrom('prediction_segments')
      .select(['id', 'model', 'version', 'request_ids'])
      .where('id', 'in', ordered.slice(start, start + IN_CHUNK))
      .orderBy('id', 'asc')
      .execute();
    // Ascending: a later segment holding the same id wins.
    for (const segment of segments) {
      for (const id of segment.request_ids.split('\n')) {
        if (wanted.has(id)) {
          found.set(id, {
            model: segment.model,
            version: Number(segment.version),
            segmentId: Number(segment.id),
          });
        }
      }
    }
  }
  return found;
}

function anyTimeIn(segment: { summary: Uint8Array; rows: number }, fromMs: number, toMs: number): boolean {
  const rows = Number(segment.rows);
  const bytes = new Uint8Array(rows * 8);
  bytes.set(segment.summary.subarray(0, rows * 8));
  const times = new Float64Array(bytes.buffer);
  return times.some((ms) => ms >= fromMs && ms < toMs);
}

function joinedOf(ref: RowRef): JoinedPrediction {
  const segment: LoadedSegment = ref.segment;
  const record = segment.rows.record(ref.row);
  return { ...record, feedback: segment.feedback.get(record.requestId) ?? null };
}

/** An opaque position in a listing: the last row's time, segment and row. */
function encodeCursor(ref: RowRef): string {
  return Buffer.from(JSON.stringify([ref.ms, ref.segment.id, ref.row])).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this server made. */
function decodeCursor(cursor: string): { ms: number; segment: number; row: number } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 3 &&
      value.every((part) => Number.isSafeInteger(part) && (part as number) >= 0)
    ) {
      const [ms, segment, row] = value as [number, number, number];
      return { ms, segment, row };
    }
  } catch {
    // not JSON: fall through
  }
  return undefined;
}
