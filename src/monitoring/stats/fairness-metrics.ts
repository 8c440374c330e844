import type { ClassLabel } from './classification-metrics.js';

/** One prediction with the value of the sensitive feature and, when known, its feedback. */
export interface FairnessRecord {
  /** The sensitive feature's value (the group). */
  readonly group: string;
  readonly predicted: ClassLabel;
  /** The actual label from feedback; null or absent when not (yet) known. */
  readonly actual?: ClassLabel | null;
}

/** How to judge fairness. */
export interface FairnessOptions {
  /** The favourable prediction ("selected"), compared as `String(label)`. */
  readonly positive: ClassLabel;
  /** Groups with fewer rows get no verdict (`monitoring.fairnessMinGroupSize`, default 30). */
  readonly minGroupSize: number;
  /** The four-fifths rule flags a demographic parity ratio below this (default 0.8). */
  readonly fourFifthsThreshold?: number;
}

/** Rates of one group. */
export interface GroupRates {
  readonly group: string;
  /** Rows of the group. */
  readonly count: number;
  /** Share of the group's rows predicted positive, P(Ŷ = 1 | A = a). */
  readonly selectionRate: number;
  /** Rows with feedback. */
  readonly labeled: number;
  /** TP / (TP + FN) over rows with feedback, P(Ŷ = 1 | Y = 1, A = a); null without actual positives. */
  readonly truePositiveRate: number | null;
  /** FP / (FP + TN) over rows with feedback, P(Ŷ = 1 | Y = 0, A = a); null without actual negatives. */
  readonly falsePositiveRate: number | null;
}

/** Fairness of one window for one sensitive feature. */
export interface FairnessReport {
  /** Every group, sorted by name. */
  readonly groups: GroupRates[];
  /** Groups with fewer than `minGroupSize` rows: left out of every verdict. */
  readonly smallGroups: string[];
  /** Groups with fewer than `minGroupSize` rows with feedback: left out of equalized odds. */
  readonly smallFeedbackGroups: string[];
  /** max − min selection rate over the large groups; null with fewer than two. */
  readonly demographicParityDifference: number | null;
  /** min / max selection rate over the large groups; null with fewer than two or when max is 0. */
  readonly demographicParityRatio: number | null;
  /** max − min TPR over groups with enough feedback and a defined TPR; null with fewer than two. */
  readonly truePositiveRateDifference: number | null;
  /** max − min FPR, likewise. */
  readonly falsePositiveRateDifference: number | null;
  /** The larger of the TPR and FPR differences (Fairlearn's worst case); null when neither exists. */
  readonly equalizedOddsDifference: number | null;
  /** Demographic parity ratio below the four-fifths threshold; null when the ratio is. */
  readonly fourFifthsViolated: boolean | null;
}

/** The four-fifths (80%) rule of the US EEOC Uniform Guidelines: 0.8. */
export const FOUR_FIFTHS = 0.8;

/**
 * Group fairness of binary decisions, with Fairlearn's definitions (`fairlearn.metrics`, method
 * "between_groups"):
 *
 * - demographic parity difference = max_a SR(a) − min_a SR(a), ratio = min_a SR(a) / max_a SR(a),
 *   with SR(a) = P(Ŷ = positive | A = a) the selection rate;
 * - equalized odds difference = max(max_a TPR(a) − min_a TPR(a), max_a FPR(a) − min_a FPR(a))
 *   (`agg="worst_case"`), over rows with feedback;
 * - four-fifths rule: flagged when the demographic parity ratio is below 0.8.
 *
 * Unlike Fairlearn, groups smaller than `minGroupSize` (rows; rows with feedback for equalized
 * odds) are left out and listed, and a group without actual positives (negatives) has no TPR
 * (FPR) and is left out of that gap instead of counting as 0.
 */
export function fairnessReport(records: readonly FairnessRecord[], options: FairnessOptions): FairnessReport {
  const positive = String(options.positive);
  const groups = groupRates(records, positive);
  const large = groups.filter((g) => g.count >= options.minGroupSize);
  const withFeedback = groups.filter((g) => g.labeled >= options.minGroupSize);
  const selection = spread(large.map((g) => g.selectionRate));
  const tpr = spread(withFeedback.map((g) => g.truePositiveRate));
  const fpr = spread(withFeedback.map((g) => g.falsePositiveRate));
  const ratio = selection === null || selection.max === 0 ? null : selection.min / selection.max;
  const gaps = [tpr, fpr].filter((s) => s !== null).map((s) => s.max - s.min);
  return {
    groups,
    smallGroups: groups.filter((g) => g.count < options.minGroupSize).map((g) => g.group),
    smallFeedbackGroups: groups.filter((g) => g.labeled < options.minGroupSize).map((g) => g.group),
    demographicParityDifference: selection === null ? null : selection.max - selection.min,
    demographicParityRatio: ratio,
    truePositiveRateDifference: tpr === null ? null : tpr.max - tpr.min,
    falsePositiveRateDifference: fpr === null ? null : fpr.max - fpr.min,
    equalizedOddsDifference: gaps.length === 0 ? null : Math.max(...gaps),
    fourFifthsViolated: ratio === null ? null : ratio < (options.fourFifthsThreshold ?? FOUR_FIFTHS),
  };
}

/** Per-group counts and rates, groups sorted by name. */
export function groupRates(records: readonly FairnessRecord[], positive: ClassLabel): GroupRates[] {
  const key = String(positive);
  const tallies = new Map<
    string,
    { count: number; selected: number; tp: number; fn: number; fp: number; tn: number }
  >();
  for (const record of records) {
    let tally = tallies.get(record.group);
    if (tally === undefined) {
      tally = { count: 0, selected: 0, tp: 0, fn: 0, fp: 0, tn: 0 };
      tallies.set(record.group, tally);
    }
    const selected = String(record.predicted) === key;
    tally.count += 1;
    if (selected) tally.selected += 1;
    if (record.actual === null || record.actual === undefined) continue;
    const actual = String(record.actual) === key;
    if (actual && selected) tally.tp += 1;
    else if (actual) tally.fn += 1;
    else if (selected) tally.fp += 1;
    else tally.tn += 1;
  }
  return [...tallies.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([group, t]) => ({
      group,
      count: t.count,
      selectionRate: t.selected / t.count,
      labeled: t.tp + t.fn + t.fp + t.tn,
      truePositiveRate: t.tp + t.fn === 0 ? null : t.tp / (t.tp + t.fn),
      falsePositiveRate: t.fp + t.tn === 0 ? null : t.fp / (t.fp + t.tn),
    }));
}

/** Smallest and largest of the defined values; null with fewer than two. */
function spread(values: readonly (number | null)[]): { min: number; max: number } | null {
  const defined = values.filter((value): value is number => value !== null);
  if (defined.length < 2) return null;
  return { min: Math.min(...defined), max: Math.max(...defined) };
}
