import { FerryError } from '../../core/index.js';
import type { MetricProviderRegistration } from '../alerts/composite-metric-source.js';
import type { MetricName, MetricReading, MetricSource, MetricWindow } from '../alerts/metric-source.js';
import type { FairnessView, PerformanceReport, PerformanceService } from './performance-service.js';

/** The live performance metrics this source answers. */
export const PERFORMANCE_METRICS = [
  'performance.accuracy',
  'performance.f1',
  'performance.roc_auc',
  'performance.mae',
  'performance.rmse',
  'performance.log_loss',
] as const satisfies readonly MetricName[];

/** The fairness metrics this source answers. */
export const FAIRNESS_METRICS = [
  'fairness.demographic_parity_ratio',
  'fairness.demographic_parity_difference',
  'fairness.equalized_odds_difference',
] as const satisfies readonly MetricName[];

type PerformanceMetric = (typeof PERFORMANCE_METRICS)[number];
type FairnessMetric = (typeof FAIRNESS_METRICS)[number];

const isPerformanceMetric = (metric: MetricName): metric is PerformanceMetric =>
  (PERFORMANCE_METRICS as readonly MetricName[]).includes(metric);
const isFairnessMetric = (metric: MetricName): metric is FairnessMetric =>
  (FAIRNESS_METRICS as readonly MetricName[]).includes(metric);

/** How long a computed report is reused for the other metrics of the same model and window. */
const REPORT_REUSE_MS = 30_000;
/** Reports kept for reuse. */
const REPORT_CACHE_SIZE = 64;

/** The reports the source reads (a PerformanceService). */
export type PerformanceReports = Pick<PerformanceService, 'performance' | 'fairness'>;

function performanceValue(report: PerformanceReport, metric: PerformanceMetric): number | null | undefined {
  const metrics = report.metrics;
  if ('mae' in metrics) {
    if (metric === 'performance.mae') return metrics.mae;
    if (metric === 'performance.rmse') return metrics.rmse;
    return undefined;
  }
  switch (metric) {
    case 'performance.accuracy':
      return metrics.accuracy;
    case 'performance.f1':
      return metrics.f1;
    case 'performance.roc_auc':
      return metrics.rocAuc;
    case 'performance.log_loss':
      return metrics.logLoss;
    case 'performance.mae':
    case 'performance.rmse':
      return undefined;
  }
}

function fairnessReading(view: FairnessView, metric: FairnessMetric): MetricReading | undefined {
  const eligible = view.groups.filter((group) => !group.excluded);
  let value: number | null;
  let rows: number;
  switch (metric) {
    case 'fairness.demographic_parity_ratio':
      value = view.demographicParityRatio;
      rows = eligible.reduce((sum, group) => sum + group.rows, 0);
      break;
    case 'fairness.demographic_parity_difference':
      value = view.demographicParityDifference;
      rows = eligible.reduce((sum, group) => sum + group.rows, 0);
      break;
    case 'fairness.equalized_odds_difference':
      value = view.equalizedOddsDifference;
      rows = view.rowsWithFeedback;
      break;
  }
  if (value === null) return undefined;
  return {
    value,
    rows,
    ...(view.versions.length === 1 ? { version: view.versions[0] } : {}),
    details: {
      sensitiveFeature: view.sensitiveFeature,
      positiveClass: view.positiveClass,
      groups: view.groups.map(({ group, rows, selectionRate }) => ({ group, rows, selectionRate })),
      excludedGroups: view.excludedGroups,
      fourFifthsRuleViolated: view.fourFifthsRuleViolated,
    },
  };
}

/**
 * Alert readings of live performance (`performance.*`) and fairness (`fairness.*`) from the
 * reports of a PerformanceService, for the window the evaluator asks about, pooling the versions
 * served in it. A window gives no reading (undefined) when its report's verdict is `not enough
 * data` (fewer than `monitoring.minWindowRows` rows with feedback; for fairness, fewer than two
 * groups of `monitoring.fairnessMinGroupSize`), when the metric does not apply (MAE of a
 * classifier, ROC AUC without scores, no sensitive feature or positive class configured), or when
 * it is undefined. `rows` is the rows with feedback (performance, equalized odds) or the rows of
 * the groups compared (demographic parity). One report serves every metric of a model and window
 * for 30 seconds.
 */
export class PerformanceMetricSource implements MetricSource {
  private readonly cache = new Map<string, { at: number; report: Promise<unknown> }>();

  constructor(
    private readonly reports: PerformanceReports,
    private readonly now: () => number = Date.now,
  ) {}

  async read(model: string, metric: MetricName, window: MetricWindow): Promise<MetricReading | undefined> {
    if (isPerformanceMetric(metric)) {
      const report = await this.cached('performance', model, window, () =>
        this.reports.performance({ model, window, slices: [] }),
      );
      if (report === undefined || report.verdict !== 'ok') return undefined;
      const value = performanceValue(report, metric);
      if (value === null || value === undefined) return undefined;
      return {
        value,
        rows: report.rowsWithFeedback,
        ...(report.versions.length === 1 ? { version: report.versions[0] } : {}),
        details: { task: report.task, rows: report.rows, rowsWithFeedback: report.rowsWithFeedback },
      };
    }
    if (isFairnessMetric(metric)) {
      const view = await this.cached('fairness', model, window, () =>
        this.reports.fairness({ model, window }),
      );
      if (view === undefined || view.verdict !== 'ok') return undefined;
      return fairnessReading(view, metric);
    }
    return undefined;
  }

  /** Registrations for a CompositeMetricSource: every performance and fairness metric. */
  registrations(): MetricProviderRegistration[] {
    return [{ metrics: [...PERFORMANCE_METRICS, ...FAIRNESS_METRICS], source: this }];
  }

  /**
   * A report computed at most once per 30 s for a model and window; undefined when the model's
   * configuration gives it no meaning (INVALID_ARGUMENT: no sensitive feature, unresolved task…).
   */
  private async cached<T>(
    kind: string,
    model: string,
    window: MetricWindow,
    compute: () => Promise<T>,
  ): Promise<T | undefined> {
    const key = `${kind}\u0000${model}\u0000${window.start.toISOString()}\u0000${window.end.toISOString()}`;
    const now = this.now();
    let entry = this.cache.get(key);
    if (entry === undefined || now - entry.at > REPORT_REUSE_MS) {
      for (const [old, cached] of this.cache) {
        if (now - cached.at > REPORT_REUSE_MS || this.cache.size >= REPORT_CACHE_SIZE) this.cache.delete(old);
      }
      entry = { at: now, report: compute() };
      this.cache.set(key, entry);
    }
    try {
      return (await entry.report) as T;
    } catch (error) {
      if (error instanceof FerryError && error.code === 'INVALID_ARGUMENT') return undefined;
      if (this.cache.get(key) === entry) this.cache.delete(key);
      throw error;
    }
  }
}
