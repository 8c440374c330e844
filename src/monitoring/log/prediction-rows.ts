import type { Selectable } from 'kysely';
import type { FeedbackTable, PredictionsTable } from '../../store/index.js';
import type { FeatureValue } from '../features/extract-rows.js';
import { packedValues, unpackFeatures, type PackedLayout } from './packed-features.js';
import type { FeedbackRecord, PredictionRecord, PredictionStatus } from './prediction-record.js';

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

/** The record of a row of the `predictions` table (before segments; read by the legacy import). */
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
