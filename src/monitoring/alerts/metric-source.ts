import { ALERT_METRICS } from '../../core/index.js';

/**
 * What the alert evaluator reads: one number per model, metric and window. Providers of drift,
 * validation, performance, fairness, latency and error rate implement `MetricSource` and are
 * registered by metric name in a `CompositeMetricSource` when the server is wired.
 */

/** Every metric an alert rule can watch: the list `alerts.rules[].metric` takes (see ALERT_METRICS). */
export const METRIC_NAMES = ALERT_METRICS;

/** A metric an alert rule can watch. */
export type MetricName = (typeof METRIC_NAMES)[number];

/** Is `text` a metric name? */
export function isMetricName(text: string): text is MetricName {
  return (METRIC_NAMES as readonly string[]).includes(text);
}

/** A time window, `start` included and `end` excluded. */
export interface MetricWindow {
  readonly start: Date;
  readonly end: Date;
}

/** Narrows a metric to one part of the model: `feature` for `drift.feature`. */
export interface MetricSelector {
  readonly feature?: string | undefined;
}

/** One metric of one model over one window. */
export interface MetricReading {
  readonly value: number;
  /** Rows (predictions, or predictions with feedback) the value was computed from. */
  readonly rows: number;
  /** The model version the rows came from, when it was one version. */
  readonly version?: number | undefined;
  /** Anything a reader of the alert may want: drifted features, per-group rates… (JSON). */
  readonly details?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Reads metrics for the alert evaluator. Answers undefined when the window holds too little data
 * for a verdict (fewer than `monitoring.minWindowRows`, no feedback yet, no reference profile…):
 * such a window neither breaches a rule nor clears it.
 */
export interface MetricSource {
  read(
    model: string,
    metric: MetricName,
    window: MetricWindow,
    selector?: MetricSelector,
  ): Promise<MetricReading | undefined>;
}
