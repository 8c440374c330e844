import type { Insertable, Selectable } from 'kysely';
import type { FeedbackTable, PredictionsTable } from '../../store/index.js';
import type { FeatureValue } from '../features/extract-rows.js';
import type {
  FeedbackRecord,
  JoinedPrediction,
  PredictionRecord,
  PredictionStatus,
} from './prediction-record.js';

/** The columns a joined read selects: the prediction's, then its feedback's (null when none). */
export type JoinedRow = Selectable<PredictionsTable> & {
  readonly fb_label_json: string | null;
  readonly fb_value: number | null;
  readonly fb_at: string | null;
  readonly fb_received_at: string | null;
};

/** The database row of a record. */
export function recordToRow(record: PredictionRecord): Insertable<PredictionsTable> {
  return {
    request_id: record.requestId,
    at: record.at,
    model: record.model,
    version: record.version,
    features_json: JSON.stringify(record.features),
    outputs_json: JSON.stringify(record.outputs),
    latency_ms: Number.isFinite(record.latencyMs) ? record.latencyMs : 0,
    status: record.status,
    code: record.code ?? null,
    caller: record.caller,
    flags_json: record.flags === undefined || record.flags.length === 0 ? null : JSON.stringify(record.flags),
  };
}

/** The record of a database row. */
export function rowToRecord(row: Selectable<PredictionsTable>): PredictionRecord {
  return {
    requestId: row.request_id,
    at: row.at,
    model: row.model,
    version: Number(row.version),
    features: JSON.parse(row.features_json) as Record<string, FeatureValue>,
    outputs: JSON.parse(row.outputs_json) as Record<string, FeatureValue>,
    latencyMs: Number(row.latency_ms),
    status: row.status as PredictionStatus,
    ...(row.code === null ? {} : { code: row.code }),
    caller: row.caller,
    ...(row.flags_json === null ? {} : { flags: JSON.parse(row.flags_json) as string[] }),
  };
}

/** The feedback of a database row. */
export function rowToFeedback(row: Selectable<FeedbackTable>): FeedbackRecord {
  return {
    label: row.label_json === null ? null : (JSON.parse(row.label_json) as FeedbackRecord['label']),
    value: row.value === null ? null : Number(row.value),
    at: row.at,
    receivedAt: row.received_at,
  };
}

/** A joined row (prediction left-joined with feedback) as a record with its feedback. */
export function joinedRowToRecord(row: JoinedRow): JoinedPrediction {
  const feedback =
    row.fb_at === null
      ? null
      : rowToFeedback({
          request_id: row.request_id,
          model: row.model,
          version: row.version,
          label_json: row.fb_label_json,
          value: row.fb_value,
          at: row.fb_at,
          received_at: row.fb_received_at ?? row.fb_at,
        });
  return { ...rowToRecord(row), feedback };
}

/** An opaque position in a listing: the last row's time and id. */
export function encodeCursor(at: string, id: number): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

/** The position a cursor names, or undefined when it is not one this server made. */
export function decodeCursor(cursor: string): { at: string; id: number } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      Array.isArray(value) &&
      value.length === 2 &&
      typeof value[0] === 'string' &&
      Number.isSafeInteger(value[1])
    ) {
      return { at: value[0], id: value[1] as number };
    }
  } catch {
    // not JSON: fall through
  }
  return undefined;
}
