import type { JoinedPrediction } from '../log/prediction-record.js';
import type { PredictionStore } from '../log/prediction-store.js';

/** The window of a join: `from` inclusive, `to` exclusive. */
export interface JoinWindow {
  readonly from: Date | string;
  readonly to: Date | string;
  readonly version?: number | undefined;
  /** Only predictions that have feedback (live performance, training sets). Default false. */
  readonly withFeedbackOnly?: boolean | undefined;
  /** Rows per database read (default 1000). */
  readonly pageSize?: number | undefined;
}

const iso = (time: Date | string): string =>
  typeof time === 'string' ? new Date(time).toISOString() : time.toISOString();

/**
 * The predictions of a model in a window, oldest first, each with its feedback (or null). Reads
 * pages through the `(model, at, id)` index and joins feedback by its primary key, so memory stays
 * bounded and the cost is proportional to the window. Iterate with `for await`.
 */
export async function* joinedPredictions(
  store: PredictionStore,
  model: string,
  window: JoinWindow,
): AsyncGenerator<JoinedPrediction> {
  const pages = store.scan(
    {
      model,
      from: iso(window.from),
      to: iso(window.to),
      version: window.version,
      withFeedbackOnly: window.withFeedbackOnly,
    },
    window.pageSize,
  );
  for await (const page of pages) yield* page;
}
