import type { Insertable, Selectable } from 'kysely';
import type { FeedbackTable, PredictionsTable } from '../../store/index.js';
import type { FeatureValue } from '../features/extract-rows.js';
import {
  packedBytes,
  packedFeaturesOf,
  packedValues,
  unpackFeatures,
  type PackedLayout,
} from './packed-features.js';
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

/** The layout ids the store knows (see PredictionStore). */
export type LayoutIds = (layout: PackedLayout) => number;

/**
 * The database row of a record. A record the log packed keeps its packed values as float32 bytes
 * (`layoutId` gives its layout's id) and only its other inputs as JSON.
 */
export function recordToRow(record: PredictionRecord, layoutId: LayoutIds): Insertable<PredictionsTable> {
  const packed = packedFeaturesOf(record);
  return {
    request_id: record.requestId,
    at: record.at,
    model: record.model,
    version: record.version,
    features_json: JSON.stringify(packed === undefined ? record.features : packed.rest),
    layout_id: packed === undefined ? null : layoutId(packed.layout),
    features_f32: packed === undefined ? null : packedBytes(packed.values),
    outputs_json: JSON.stringify(record.outputs),
    latency_ms: Number.isFinite(record.latencyMs) ? record.latencyMs : 0,
    status: record.status,
    code: record.code ?? null,
    caller: record.caller,
    flags_json: record.flags === undefined || record.flags.length === 0 ? null : JSON.stringify(record.flags),
  };
}

/** Layouts by id, for reading packed rows. */
export type Layouts = (id: number) => PackedLayout | undefined;

/** The input features of a row: its JSON, with its packed values in their layout's order. */
function featuresOf(row: Selectable<PredictionsTable>, layouts: Layouts): Record<string, FeatureValue> {
  const rest = JSON.parse(row.features_json) as Record<string, FeatureValue>;
  if (row.layout_id === null || row.features_f32 === null) return rest;
  const layout = layouts(Number(row.layout_id));
  if (layout === undefined) return rest;
  return unpackFeatures({ layout, values: packedValues(row.features_f32), rest });
}

/** The record of a database row. */
export function rowToRecord(row: Selectable<PredictionsTable>, layouts: Layouts): PredictionRecord {
  return {
    requestId: row.request_id,
    at: row.at,
    model: row.model,
    version: Number(row.version),
    features: featuresOf(row, layouts),
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
export function joinedRowToRecord(row: JoinedRow, layouts: Layouts): JoinedPrediction {
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
  return { ...rowToRecord(row, layouts), feedback };
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
