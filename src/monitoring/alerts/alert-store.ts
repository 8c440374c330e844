import type { ExpressionBuilder, UpdateResult } from 'kysely';
import { nextCallbackState, type CallbackEvent } from '../../jobs/index.js';
import { withTransaction, type FerryDatabase, type Tables } from '../../store/index.js';
import type { AlertDelivery, AlertEvent, AlertStatus, NewAlertEvent } from './alert-records.js';
import {
  deliveryStateColumns,
  eventRow,
  rowToDelivery,
  rowToEvent,
  rowToStatus,
  statusRow,
} from './alert-row-mapper.js';
import type { AlertStateKind } from './alert-state.js';

/** How many due deliveries a claim looks at before giving up until the next poll. */
const CLAIM_CANDIDATES = 16;

const iso = (date: Date): string => date.toISOString();
const updatedOne = (result: UpdateResult | undefined): boolean => Number(result?.numUpdatedRows ?? 0) === 1;

/** A pending delivery that is due, or a sending one whose claim lapsed. */
const deliveryDue = (now: string) => (eb: ExpressionBuilder<Tables, 'alert_deliveries'>) =>
  eb.or([
    eb.and([eb('state', '=', 'pending'), eb('state_at', '<=', now)]),
    eb.and([eb('state', '=', 'sending'), eb('state_at', '<', now)]),
  ]);

/**
 * The outcome of evaluating some windows of one rule for one model: the state after them, and the
 * changes they made with the deliveries those enqueue.
 */
export interface AlertEvaluation {
  /** The end of the last window evaluated before, as read; undefined when nothing was stored. */
  readonly previousWindowEnd: Date | undefined;
  readonly status: AlertStatus;
  readonly events: readonly NewAlertEvent[];
}

/** Filters of a state listing. */
export interface AlertStatusQuery {
  readonly state?: AlertStateKind | undefined;
  readonly model?: string | undefined;
  readonly rule?: string | undefined;
}

/** Filters of an event listing (newest first). */
export interface AlertEventQuery {
  readonly rule?: string | undefined;
  readonly model?: string | undefined;
  readonly limit: number;
}

/** How to claim a delivery of one channel. */
export interface DeliveryClaimSettings {
  readonly leaseMs: number;
  readonly maxAttempts: number;
}

/**
 * Alert states, their history and the deliveries of notifications, in the metadata database.
 *
 * Recording an evaluation is a compare-and-set on the last window evaluated: when two evaluators
 * (replicas) evaluate the same window, the one that commits second finds the window already
 * recorded and changes nothing, so a transition, and the notifications it enqueues, is recorded
 * once. The unique (rule, model, window end) of `alert_events` enforces the same for events.
 * Deliveries are claimed and recorded like job callbacks (compare-and-set of the state read).
 */
export class AlertStore {
  constructor(private readonly database: FerryDatabase) {}

  /** The stored states, by rule then model. */
  async listStatuses(query: AlertStatusQuery = {}): Promise<AlertStatus[]> {
    let select = this.database.db
      .selectFrom('alert_states')
      .selectAll()
      .orderBy('rule_name')
      .orderBy('model_name');
    if (query.state !== undefined) select = select.where('state', '=', query.state);
    if (query.model !== undefined) select = select.where('model_name', '=', query.model);
    if (query.rule !== undefined) select = select.where('rule_name', '=', query.rule);
    return (await select.execute()).map(rowToStatus);
  }

  /**
   * Record an evaluation. Returns false, writing nothing, when the stored last window is no longer
   * `previousWindowEnd` (another evaluator recorded these windows first).
   */
  record(evaluation: AlertEvaluation): Promise<boolean> {
    const { status, previousWindowEnd } = evaluation;
    return withTransaction(this.database.db, async (trx) => {
      const stored = await trx
        .selectFrom('alert_states')
        .select('window_end')
        .where('rule_name', '=', status.rule)
        .where('model_name', '=', status.model)
        .executeTakeFirst();
      const row = statusRow(status);
      if (stored === undefined) {
        if (previousWindowEnd !== undefined) return false;
        // A concurrent insert breaks the primary key; withTransaction runs this again and the
        // read above then finds the other evaluator's row.
        await trx.insertInto('alert_states').values(row).execute();
      } else {
        if (previousWindowEnd === undefined || stored.window_end !== iso(previousWindowEnd)) return false;
        const result = await trx
          .updateTable('alert_states')
          .set(row)
          .where('rule_name', '=', status.rule)
          .where('model_name', '=', status.model)
          .where('window_end', '=', stored.window_end)
          .executeTakeFirst();
        if (!updatedOne(result)) return false;
      }
      for (const event of evaluation.events) {
        const { id } = await trx
          .insertInto('alert_events')
          .values(eventRow(event))
          .returning('id')
          .executeTakeFirstOrThrow();
        const at = iso(event.at);
        for (const delivery of event.deliveries) {
          await trx
            .insertInto('alert_deliveries')
            .values({
              id: delivery.id,
              event_id: id,
              channel: delivery.channel,
              event_type: delivery.notice.type,
              payload_json: JSON.stringify(delivery.notice),
              ...deliveryStateColumns({
                kind: 'pending',
                attempts: 0,
                dueAt: event.at,
                lastError: undefined,
              }),
              outcome: null,
              created_at: at,
              updated_at: at,
            })
            .execute();
        }
      }
      return true;
    });
  }

  /** State changes, newest first. */
  async listEvents(query: AlertEventQuery): Promise<AlertEvent[]> {
    let select = this.database.db
      .selectFrom('alert_events')
      .selectAll()
      .orderBy('id', 'desc')
      .limit(query.limit);
    if (query.rule !== undefined) select = select.where('rule_name', '=', query.rule);
    if (query.model !== undefined) select = select.where('model_name', '=', query.model);
    return (await select.execute()).map(rowToEvent);
  }

  /** The deliveries of some events, oldest first. */
  async deliveriesOf(eventIds: readonly number[]): Promise<AlertDelivery[]> {
    if (eventIds.length === 0) return [];
    const rows = await this.database.db
      .selectFrom('alert_deliveries')
      .selectAll()
      .where('event_id', 'in', [...eventIds])
      .orderBy('created_at')
      .orderBy('channel')
      .execute();
    return rows.map(rowToDelivery);
  }

  /** One delivery, or undefined. */
  async getDelivery(id: string): Promise<AlertDelivery | undefined> {
    const row = await this.database.db
      .selectFrom('alert_deliveries')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToDelivery(row);
  }

  /**
   * Claim one delivery due at `now` (oldest due first) with the claim settings of its channel, or
   * return undefined when none is due.
   */
  async claimDelivery(
    now: Date,
    settingsOf: (channel: string) => DeliveryClaimSettings,
  ): Promise<AlertDelivery | undefined> {
    const rows = await this.database.db
      .selectFrom('alert_deliveries')
      .selectAll()
      .where(deliveryDue(iso(now)))
      .orderBy('state_at')
      .orderBy('id')
      .limit(CLAIM_CANDIDATES)
      .execute();
    for (const row of rows) {
      const delivery = rowToDelivery(row);
      const written = await this.transitionDelivery(delivery, {
        kind: 'claim',
        now,
        ...settingsOf(delivery.channel),
      });
      if (written?.state.kind === 'sending') return written;
    }
    return undefined;
  }

  /**
   * Apply a delivery event to the delivery's state as read (compare-and-set): returns the delivery
   * as written, or undefined when the event does not apply or someone changed it since.
   */
  async transitionDelivery(
    delivery: AlertDelivery,
    event: CallbackEvent,
    outcome?: string,
  ): Promise<AlertDelivery | undefined> {
    const next = nextCallbackState(delivery.state, event);
    if (next === undefined) return undefined;
    const read = deliveryStateColumns(delivery.state);
    const result = await this.database.db
      .updateTable('alert_deliveries')
      .set({
        ...deliveryStateColumns(next),
        ...(outcome === undefined ? {} : { outcome }),
        updated_at: iso(event.now),
      })
      .where('id', '=', delivery.id)
      .where('state', '=', read.state)
      .where('attempts', '=', read.attempts)
      .where('state_at', read.state_at === null ? 'is' : '=', read.state_at)
      .executeTakeFirst();
    if (!updatedOne(result)) return undefined;
    return {
      ...delivery,
      state: next,
      outcome: outcome ?? delivery.outcome,
      updatedAt: event.now,
    };
  }
}
