import type { Insertable, Selectable } from 'kysely';
import type { CallbackState } from '../../jobs/index.js';
import type { Tables } from '../../store/index.js';
import type { AlertDelivery, AlertEvent, AlertNotice, AlertStatus, NewAlertEvent } from './alert-records.js';
import type { AlertSeverity } from './alert-rule.js';
import {
  ALERT_STATE_KINDS,
  type AlertState,
  type AlertStateKind,
  type WindowReading,
} from './alert-state.js';
import { isMetricName, type MetricName } from './metric-source.js';

type StateRow = Selectable<Tables['alert_states']>;
type EventRow = Selectable<Tables['alert_events']>;
type DeliveryRow = Selectable<Tables['alert_deliveries']>;

const iso = (date: Date): string => date.toISOString();
const orUndefined = <T>(value: T | null): T | undefined => (value === null ? undefined : value);

/** A reading as stored in JSON. */
interface StoredReading {
  readonly start: string;
  readonly end: string;
  readonly value: number;
  readonly rows: number;
  readonly version?: number;
  readonly details?: Record<string, unknown>;
}

/** Readings as JSON text. */
export function readingsJson(readings: readonly WindowReading[]): string {
  return JSON.stringify(
    readings.map((reading): StoredReading => ({
      start: iso(reading.window.start),
      end: iso(reading.window.end),
      value: reading.value,
      rows: reading.rows,
      ...(reading.version === undefined ? {} : { version: reading.version }),
      ...(reading.details === undefined ? {} : { details: { ...reading.details } }),
    })),
  );
}

/** Readings out of JSON text. */
export function readingsOf(text: string): WindowReading[] {
  return (JSON.parse(text) as StoredReading[]).map((stored) => ({
    window: { start: new Date(stored.start), end: new Date(stored.end) },
    value: stored.value,
    rows: stored.rows,
    version: stored.version,
    details: stored.details,
  }));
}

function stateKind(text: string, what: string): AlertStateKind {
  const kind = ALERT_STATE_KINDS.find((candidate) => candidate === text);
  if (kind === undefined) throw new Error(`${what} has state '${text}', which this Ferry does not know`);
  return kind;
}

function metricOf(text: string, what: string): MetricName {
  if (!isMetricName(text)) throw new Error(`${what} has metric '${text}', which this Ferry does not know`);
  return text;
}

function sinceOf(row: StateRow): Date {
  if (row.since === null) throw new Error(`alert '${row.rule_name}' of '${row.model_name}' has no since`);
  return new Date(row.since);
}

/** The alert state stored in a row. */
export function stateOfRow(row: StateRow): AlertState {
  const kind = stateKind(row.state, `alert '${row.rule_name}' of '${row.model_name}'`);
  switch (kind) {
    case 'inactive':
      return { kind };
    case 'pending':
    case 'firing':
      return { kind, since: sinceOf(row), breaches: readingsOf(row.breaches_json) };
    case 'resolved':
      return { kind, since: sinceOf(row) };
  }
}

/** Map a state row to an alert status. */
export function rowToStatus(row: StateRow): AlertStatus {
  return {
    rule: row.rule_name,
    model: row.model_name,
    state: stateOfRow(row),
    version: orUndefined(row.version),
    lastValue: orUndefined(row.last_value),
    lastRows: orUndefined(row.last_rows),
    window: { start: new Date(row.window_start), end: new Date(row.window_end) },
    updatedAt: new Date(row.updated_at),
  };
}

/** The row of an alert status. */
export function statusRow(status: AlertStatus): Insertable<Tables['alert_states']> {
  const { state } = status;
  return {
    rule_name: status.rule,
    model_name: status.model,
    state: state.kind,
    since: state.kind === 'inactive' ? null : iso(state.since),
    breaches_json: readingsJson(state.kind === 'pending' || state.kind === 'firing' ? state.breaches : []),
    version: status.version ?? null,
    last_value: status.lastValue ?? null,
    last_rows: status.lastRows ?? null,
    window_start: iso(status.window.start),
    window_end: iso(status.window.end),
    updated_at: iso(status.updatedAt),
  };
}

const SEVERITIES: readonly AlertSeverity[] = ['info', 'warning', 'critical'];

/** Map an event row to an alert event. */
export function rowToEvent(row: EventRow): AlertEvent {
  const what = `alert event ${row.id}`;
  return {
    id: row.id,
    rule: row.rule_name,
    model: row.model_name,
    version: orUndefined(row.version),
    from: stateKind(row.from_state, what),
    to: stateKind(row.to_state, what),
    metric: metricOf(row.metric, what),
    feature: orUndefined(row.feature),
    op: row.op === 'below' ? 'below' : 'above',
    severity: SEVERITIES.find((severity) => severity === row.severity) ?? 'warning',
    value: orUndefined(row.value),
    threshold: row.threshold,
    window: { start: new Date(row.window_start), end: new Date(row.window_end) },
    readings: readingsOf(row.readings_json),
    at: new Date(row.at),
  };
}

/** The row of a new event. */
export function eventRow(event: NewAlertEvent): Insertable<Tables['alert_events']> {
  return {
    rule_name: event.rule,
    model_name: event.model,
    version: event.version ?? null,
    from_state: event.from,
    to_state: event.to,
    metric: event.metric,
    feature: event.feature ?? null,
    op: event.op,
    severity: event.severity,
    value: event.value ?? null,
    threshold: event.threshold,
    window_start: iso(event.window.start),
    window_end: iso(event.window.end),
    readings_json: readingsJson(event.readings),
    at: iso(event.at),
  };
}

/** The columns that store a delivery state. */
export function deliveryStateColumns(state: CallbackState): {
  state: string;
  attempts: number;
  state_at: string | null;
  last_error: string | null;
} {
  const base = { state: state.kind, attempts: state.attempts };
  switch (state.kind) {
    case 'pending':
      return { ...base, state_at: iso(state.dueAt), last_error: state.lastError ?? null };
    case 'sending':
      return { ...base, state_at: iso(state.leaseExpiresAt), last_error: state.lastError ?? null };
    case 'delivered':
      return { ...base, state_at: iso(state.deliveredAt), last_error: null };
    case 'failed':
      return { ...base, state_at: null, last_error: state.error };
  }
}

function requireAt(row: DeliveryRow): Date {
  if (row.state_at === null) throw new Error(`alert delivery '${row.id}' in state ${row.state} has no time`);
  return new Date(row.state_at);
}

/** The delivery state stored in a row. */
export function deliveryStateOfRow(row: DeliveryRow): CallbackState {
  const { attempts } = row;
  const lastError = orUndefined(row.last_error);
  switch (row.state) {
    case 'pending':
      return { kind: 'pending', attempts, dueAt: requireAt(row), lastError };
    case 'sending':
      return { kind: 'sending', attempts, leaseExpiresAt: requireAt(row), lastError };
    case 'delivered':
      return { kind: 'delivered', attempts, deliveredAt: requireAt(row) };
    case 'failed':
      return { kind: 'failed', attempts, error: lastError ?? 'failed' };
    default:
      throw new Error(`alert delivery '${row.id}' has state '${row.state}', which this Ferry does not know`);
  }
}

/** Map a delivery row to a delivery. */
export function rowToDelivery(row: DeliveryRow): AlertDelivery {
  return {
    id: row.id,
    eventId: row.event_id,
    channel: row.channel,
    notice: JSON.parse(row.payload_json) as AlertNotice,
    state: deliveryStateOfRow(row),
    outcome: orUndefined(row.outcome),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}
