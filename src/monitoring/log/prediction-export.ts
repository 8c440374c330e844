import type { JoinedPrediction } from './prediction-record.js';
import type { PredictionStore, PredictionWindow } from './prediction-store.js';

/** Export formats: one JSON object per line, or CSV with a header row. */
export type ExportFormat = 'ndjson' | 'csv';

export const EXPORT_FORMATS: readonly ExportFormat[] = ['ndjson', 'csv'];

/** What an export covers and how it is written. */
export interface ExportQuery extends PredictionWindow {
  readonly model: string;
  readonly format: ExportFormat;
  /** Include each prediction's feedback (NDJSON `feedback`; CSV `label`, `value`, `feedback_at`). */
  readonly feedback: boolean;
}

/** The Content-Type of each format. */
export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

const LEADING = ['request_id', 'at', 'model', 'version'] as const;
const TRAILING = ['latency_ms', 'status', 'code', 'caller', 'flags'] as const;
const FEEDBACK = ['label', 'value', 'feedback_at'] as const;

/** One CSV field: quoted when it holds a comma, quote, CR or LF (RFC 4180). */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const csvLine = (fields: readonly (string | number | boolean | null | undefined)[]): string =>
  `${fields.map(csvField).join(',')}\r\n`;

/**
 * Stream the predictions of a window, oldest first, in `query.format`, as text chunks (one per
 * page of rows, never the whole export in memory).
 *
 * - NDJSON: one prediction per line, as `GET /api/v1/predictions` returns it (`feedback` only when
 *   asked for).
 * - CSV: `request_id, at, model, version`, one column per input feature, one per output feature,
 *   then `latency_ms, status, code, caller, flags` (flags joined by `;`) and, with feedback,
 *   `label, value, feedback_at`. The feature columns are the union over the window, found by a first
 *   pass; a name that clashes with another column is prefixed `feature:` or `output:`.
 */
export async function* exportPredictions(store: PredictionStore, query: ExportQuery): AsyncGenerator<string> {
  const window: PredictionWindow = {
    model: query.model,
    version: query.version,
    from: query.from,
    // A fixed end: rows logged while the export runs cannot add columns after the CSV header.
    to: query.to ?? new Date().toISOString(),
  };
  if (query.format === 'ndjson') {
    for await (const page of store.scan(window)) {
      yield page.map((record) => `${JSON.stringify(ndjsonView(record, query.feedback))}\n`).join('');
    }
    return;
  }
  const { features, outputs } = await columnsOf(store, window);
  const fixed = new Set<string>([...LEADING, ...TRAILING, ...(query.feedback ? FEEDBACK : [])]);
  const featureHeads = features.map((name) => (fixed.has(name) ? `feature:${name}` : name));
  const taken = new Set([...fixed, ...featureHeads]);
  const outputHeads = outputs.map((name) => (taken.has(name) ? `output:${name}` : name));
  yield csvLine([
    ...LEADING,
    ...featureHeads,
    ...outputHeads,
    ...TRAILING,
    ...(query.feedback ? FEEDBACK : []),
  ]);
  for await (const page of store.scan(window)) {
    yield page
      .map((record) =>
        csvLine([
          record.requestId,
          record.at,
          record.model,
          record.version,
          ...features.map((name) => record.features[name]),
          ...outputs.map((name) => record.outputs[name]),
          record.latencyMs,
          record.status,
          record.code,
          record.caller,
          record.flags?.join(';'),
          ...(query.feedback ? [record.feedback?.label, record.feedback?.value, record.feedback?.at] : []),
        ]),
      )
      .join('');
  }
}

function ndjsonView(record: JoinedPrediction, feedback: boolean): object {
  if (feedback) return record;
  const { feedback: _omitted, ...rest } = record;
  return rest;
}

/** Every feature and output name in the window, in the order first seen. */
async function columnsOf(
  store: PredictionStore,
  window: PredictionWindow,
): Promise<{ features: string[]; outputs: string[] }> {
  const features = new Set<string>();
  const outputs = new Set<string>();
  for await (const page of store.scan(window)) {
    for (const record of page) {
      for (const name in record.features) features.add(name);
      for (const name in record.outputs) outputs.add(name);
    }
  }
  return { features: [...features], outputs: [...outputs] };
}
