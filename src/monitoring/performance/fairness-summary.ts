import type { FeatureKind } from '../features/feature-spec.js';
import type { FeatureValue } from '../features/extract-rows.js';
import { FOUR_FIFTHS, fairnessReport, type FairnessRecord } from '../stats/index.js';
import { groupFeature, MISSING_GROUP } from './feature-groups.js';
import type { Verdict } from './performance-report.js';

/** One prediction as fairness sees it: the sensitive feature, the predicted class and feedback. */
export interface FairnessRow {
  readonly value: FeatureValue | undefined;
  readonly predicted: string;
  /** The feedback label; null without feedback. */
  readonly actual: string | null;
}

/** Rates of one group of the sensitive feature. */
export interface FairnessGroup {
  /** The feature's value, or a bucket `[lower, upper)` of a numeric feature with many values. */
  readonly group: string;
  /** Predictions of the group. */
  readonly rows: number;
  /** Share of the group's predictions that are the positive class. */
  readonly selectionRate: number;
  readonly rowsWithFeedback: number;
  /** True positive rate over the group's feedback; absent without actual positives. */
  readonly tpr?: number;
  /** False positive rate over the group's feedback; absent without actual negatives. */
  readonly fpr?: number;
  /** Fewer than `minGroupSize` rows: left out of every verdict. */
  readonly excluded: boolean;
}

/** Fairness of one window (see {@link fairnessSummary}). */
export interface FairnessSummary {
  readonly rows: number;
  readonly rowsWithFeedback: number;
  /** Rows whose sensitive feature is missing: in no group. */
  readonly rowsMissingFeature: number;
  readonly groups: FairnessGroup[];
  /** Groups with fewer than `minGroupSize` rows. */
  readonly excludedGroups: string[];
  readonly demographicParityDifference: number | null;
  readonly demographicParityRatio: number | null;
  readonly truePositiveRateDifference: number | null;
  readonly falsePositiveRateDifference: number | null;
  readonly equalizedOddsDifference: number | null;
  /** Demographic parity ratio below 0.8; null when the ratio is undefined. */
  readonly fourFifthsRuleViolated: boolean | null;
  /** `ok` once two groups have `minGroupSize` rows and the window `minRows`. */
  readonly verdict: Verdict;
}

/** What fairness is judged by. */
export interface FairnessSettings {
  /** The favourable (selected) class. */
  readonly positiveClass: string;
  /** How the sensitive feature is profiled (a numeric one with many values is bucketed). */
  readonly kind: FeatureKind;
  /** `monitoring.fairnessMinGroupSize`. */
  readonly minGroupSize: number;
  /** `monitoring.minWindowRows`. */
  readonly minRows: number;
}

/**
 * Group fairness of a window (pure), with Fairlearn's definitions (see `fairnessReport`): the
 * selection rate P(Ŷ = positive | group) of each group of the sensitive feature, demographic parity
 * difference (max − min) and ratio (min / max) over groups of at least `minGroupSize` rows,
 * equalized odds difference (the larger of the TPR and FPR gaps) over groups with at least
 * `minGroupSize` rows with feedback, and the four-fifths rule (ratio < 0.8). Groups come from
 * groupFeature (categorical by value; numeric by value or deciles); rows without the feature are
 * counted but in no group.
 */
export function fairnessSummary(rows: readonly FairnessRow[], settings: FairnessSettings): FairnessSummary {
  const grouping = groupFeature(
    rows.map((row) => row.value),
    settings.kind,
  );
  const names = new Map(
    grouping.groups.map((group) => [group.key, group.kind === 'value' ? group.value : group.bucket]),
  );
  const order = new Map(grouping.groups.map((group, index) => [group.key, index]));
  const records: FairnessRecord[] = [];
  let rowsMissingFeature = 0;
  for (const row of rows) {
    if (row.value === null || row.value === undefined) {
      rowsMissingFeature += 1;
      continue;
    }
    records.push({ group: grouping.groupOf(row.value), predicted: row.predicted, actual: row.actual });
  }
  const report = fairnessReport(records, {
    positive: settings.positiveClass,
    minGroupSize: settings.minGroupSize,
    fourFifthsThreshold: FOUR_FIFTHS,
  });
  const nameOf = (key: string) => names.get(key) ?? MISSING_GROUP;
  const groups = [...report.groups]
    .sort((a, b) => (order.get(a.group) ?? 0) - (order.get(b.group) ?? 0))
    .map((g): FairnessGroup => ({
      group: nameOf(g.group),
      rows: g.count,
      selectionRate: g.selectionRate,
      rowsWithFeedback: g.labeled,
      ...(g.truePositiveRate === null ? {} : { tpr: g.truePositiveRate }),
      ...(g.falsePositiveRate === null ? {} : { fpr: g.falsePositiveRate }),
      excluded: g.count < settings.minGroupSize,
    }));
  const enough = rows.length >= settings.minRows && report.demographicParityDifference !== null;
  return {
    rows: rows.length,
    rowsWithFeedback: rows.filter((row) => row.actual !== null).length,
    rowsMissingFeature,
    groups,
    excludedGroups: groups.filter((g) => g.excluded).map((g) => g.group),
    demographicParityDifference: report.demographicParityDifference,
    demographicParityRatio: report.demographicParityRatio,
    truePositiveRateDifference: report.truePositiveRateDifference,
    falsePositiveRateDifference: report.falsePositiveRateDifference,
    equalizedOddsDifference: report.equalizedOddsDifference,
    fourFifthsRuleViolated: report.fourFifthsViolated,
    verdict: enough ? 'ok' : 'not enough data',
  };
}
