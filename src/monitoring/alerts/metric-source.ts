/**
 * What the alert evaluator reads: one number per model, metric and window. Providers of drift,
 * validation, performance, fairness, latency and error rate implement `MetricSource` and are
 * registered by metric name in a `CompositeMetricSource` when the server is wired.
 */

/** Every metric an alert rule can watch (a closed list; `alerts.rules[].metric` takes the same). */
export const METRIC_NAMES = [
  /** Share of the model's features that drift in the window (0–1). */
  'drift.share',
  /** Drift score of one feature (the rule's `feature`), as the drift test reports it. */
  'drift.feature',
  /** Share of the window's predictions whose inputs validation flagged (0–1). */
  'validation.flag_rate',
  'performance.accuracy',
  'performance.f1',
  'performance.roc_auc',
  'performance.mae',
  'performance.rmse',
  'performance.log_loss',
  'fairness.demographic_parity_ratio',
  'fairness.demographic_parity_difference',
  'fairness.equalized_odds_difference',
  /** 99th percentile of inference latency in the window, in seconds. */
  'latency.p99_seconds',
  /** Share of the window's inference requests answered with an error (0–1). */
  'errors.rate',
] as const;

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
