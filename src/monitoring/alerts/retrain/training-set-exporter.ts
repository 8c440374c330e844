import type { MetricWindow } from '../metric-source.js';

/** What an export wrote. */
export interface TrainingSetExport {
  /** Absolute path of the NDJSON file. */
  readonly path: string;
  /** Rows written (one JSON object per line). */
  readonly rows: number;
}

/**
 * Writes a training set for a retraining trigger: the most recent predictions of a model within
 * a window, each joined with its feedback (ground truth) when there is some, one JSON object per
 * line. Implemented over the prediction log and feedback (src/monitoring/feedback).
 */
export interface TrainingSetExporter {
  /** Write at most `maxRows` of the newest predictions of `model` in `window` to `path` (NDJSON). */
  export(model: string, window: MetricWindow, maxRows: number, path: string): Promise<TrainingSetExport>;
}
