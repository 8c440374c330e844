import type { FeatureKind } from '../features/feature-spec.js';
import type { FeatureValue } from '../features/extract-rows.js';
import {
  classificationMetrics,
  regressionMetrics,
  type ClassificationRecord,
  type RegressionRecord,
} from '../stats/index.js';
import { groupFeature } from './feature-groups.js';

/** Enough rows for a verdict, or not. */
export type Verdict = 'ok' | 'not enough data';

/** Classifier metrics of a window or slice; null where undefined (no rows, one class only…). */
export interface ClassificationSummary {
  /** Share of rows whose predicted class equals the feedback label. */
  readonly accuracy: number | null;
  readonly precision: number | null;
  readonly recall: number | null;
  readonly f1: number | null;
  /** Binary AUC of the positive class when one is set, else one-vs-rest macro AUC (needs scores). */
  readonly rocAuc: number | null;
  /** Cross-entropy of the scores of the true class (needs scores). */
  readonly logLoss: number | null;
  /** How precision, recall and F1 are taken: for `positiveClass`, or the macro mean over classes. */
  readonly average: 'macro' | 'positive class';
}

/** Regressor metrics of a window or slice; null without rows. */
export interface RegressionSummary {
  readonly mae: number | null;
  readonly rmse: number | null;
}

/** The metrics of a task. */
export type PerformanceMetrics = ClassificationSummary | RegressionSummary;

/** One group of a slice: a value of the feature, or a bucket of a numeric one. */
export interface SliceGroupReport {
  /** The feature's value (categorical features, and numeric ones with few values). */
  readonly value?: string;
  /** `[lower, upper)` of a numeric bucket. */
  readonly bucket?: string;
  readonly lower?: number;
  readonly upper?: number;
  /** Rows with feedback in the group. */
  readonly rows: number;
  readonly metrics: PerformanceMetrics;
  readonly verdict: Verdict;
}

/** Performance by one feature's groups. */
export interface SliceReport {
  readonly feature: string;
  readonly groups: SliceGroupReport[];
}

/** A record with the values of the features it is sliced by. */
export type SlicedRecord<R> = R & { readonly slices?: Readonly<Record<string, FeatureValue | undefined>> };

/** What a performance report is computed from (the rows with feedback of one window). */
export type PerformanceInput = (
  | { readonly task: 'classification'; readonly records: readonly SlicedRecord<ClassificationRecord>[] }
  | { readonly task: 'regression'; readonly records: readonly SlicedRecord<RegressionRecord>[] }
) & {
  /** The class precision, recall, F1 and ROC AUC are taken for; null for macro averages. */
  readonly positiveClass: string | null;
  /** Rows (with feedback) a window or group needs for a verdict (`monitoring.minWindowRows`). */
  readonly minRows: number;
  /** Features to slice by, with their kind. */
  readonly slices?: readonly { readonly feature: string; readonly kind: FeatureKind }[];
};

/** The metrics, slices and verdict of a window. */
export interface PerformanceSummary {
  /** Rows with feedback the metrics are computed from. */
  readonly rowsWithFeedback: number;
  readonly metrics: PerformanceMetrics;
  readonly slices?: SliceReport[];
  readonly verdict: Verdict;
}

/** Classifier metrics of records (see {@link ClassificationSummary}). */
export function classificationSummary(
  records: readonly ClassificationRecord[],
  positiveClass: string | null,
): ClassificationSummary {
  const metrics = classificationMetrics(records, positiveClass === null ? {} : { positive: positiveClass });
  const scores = metrics.positive ?? metrics.macro;
  const empty = records.length === 0;
  return {
    accuracy: metrics.accuracy,
    precision: empty ? null : scores.precision,
    recall: empty ? null : scores.recall,
    f1: empty ? null : scores.f1,
    rocAuc: metrics.rocAuc,
    logLoss: metrics.logLoss,
    average: positiveClass === null ? 'macro' : 'positive class',
  };
}

/** Regressor metrics of records (see {@link RegressionSummary}). */
export function regressionSummary(records: readonly RegressionRecord[]): RegressionSummary {
  const { mae, rmse } = regressionMetrics(records);
  return { mae, rmse };
}

const verdictOf = (rows: number, minRows: number): Verdict => (rows >= minRows ? 'ok' : 'not enough data');

/**
 * The performance of one window (pure): metrics over the rows with feedback, and the same metrics
 * per group of each slice feature (see groupFeature: categorical by value, numeric by value or by
 * the window's deciles). The verdict is `not enough data` below `minRows` rows with feedback; the
 * metrics are still given, for what they are worth.
 */
export function performanceSummary(input: PerformanceInput): PerformanceSummary {
  const rowsWithFeedback = input.records.length;
  const compute =
    input.task === 'classification'
      ? (records: readonly unknown[]) =>
          classificationSummary(records as readonly ClassificationRecord[], input.positiveClass)
      : (records: readonly unknown[]) => regressionSummary(records as readonly RegressionRecord[]);
  const records: readonly SlicedRecord<ClassificationRecord | RegressionRecord>[] = input.records;
  const slices = (input.slices ?? []).map(({ feature, kind }): SliceReport => {
    const valueOf = (record: SlicedRecord<unknown>) => record.slices?.[feature];
    const grouping = groupFeature(records.map(valueOf), kind);
    const members = new Map<string, SlicedRecord<unknown>[]>();
    for (const record of records) {
      const key = grouping.groupOf(valueOf(record));
      const list = members.get(key);
      if (list === undefined) members.set(key, [record]);
      else list.push(record);
    }
    const groups = grouping.groups.flatMap((group): SliceGroupReport[] => {
      const rows = members.get(group.key) ?? [];
      if (rows.length === 0) return [];
      const base = {
        rows: rows.length,
        metrics: compute(rows),
        verdict: verdictOf(rows.length, input.minRows),
      };
      return group.kind === 'value'
        ? [{ value: group.value, ...base }]
        : [{ bucket: group.bucket, lower: group.lower, upper: group.upper, ...base }];
    });
    return { feature, groups };
  });
  return {
    rowsWithFeedback,
    metrics: compute(records),
    ...(slices.length === 0 ? {} : { slices }),
    verdict: verdictOf(rowsWithFeedback, input.minRows),
  };
}
