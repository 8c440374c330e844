/** A class label as a model or its feedback gives it. Labels are compared as `String(label)`. */
export type ClassLabel = string | number | boolean;

/** One prediction of a classifier joined with its feedback. */
export interface ClassificationRecord {
  readonly actual: ClassLabel;
  readonly predicted: ClassLabel;
  /** Probability (or score) per class, keyed by `String(label)`; needed for ROC AUC and log loss. */
  readonly scores?: Readonly<Record<string, number>>;
}

/** Counts of a binary confusion matrix for one positive class. */
export interface ConfusionCounts {
  readonly truePositives: number;
  readonly falsePositives: number;
  readonly trueNegatives: number;
  readonly falseNegatives: number;
}

/** Precision, recall and F1 of one class (or their macro average), with the class's support. */
export interface ClassScores {
  /** TP / (TP + FP); 0 when nothing was predicted positive (scikit-learn's zero_division). */
  readonly precision: number;
  /** TP / (TP + FN); 0 when there was no actual positive. */
  readonly recall: number;
  /** 2·P·R / (P + R); 0 when P + R = 0. */
  readonly f1: number;
  /** Actual members of the class (for a macro average: all records). */
  readonly support: number;
}

/** Probabilities are clipped to [1e-15, 1 − 1e-15] before the log, as scikit-learn's `log_loss`. */
export const LOG_LOSS_EPSILON = 1e-15;

/** Every label among actuals and predictions, sorted (scikit-learn's `unique_labels`). */
export function classLabels(records: readonly ClassificationRecord[]): string[] {
  const labels = new Set<string>();
  for (const record of records) {
    labels.add(String(record.actual));
    labels.add(String(record.predicted));
  }
  return [...labels].sort();
}

/** Confusion counts with `positive` as the positive class and every other label as negative. */
export function confusionCounts(
  records: readonly ClassificationRecord[],
  positive: ClassLabel,
): ConfusionCounts {
  const key = String(positive);
  let truePositives = 0;
  let falsePositives = 0;
  let trueNegatives = 0;
  let falseNegatives = 0;
  for (const record of records) {
    const actual = String(record.actual) === key;
    const predicted = String(record.predicted) === key;
    if (actual && predicted) truePositives += 1;
    else if (predicted) falsePositives += 1;
    else if (actual) falseNegatives += 1;
    else trueNegatives += 1;
  }
  return { truePositives, falsePositives, trueNegatives, falseNegatives };
}

/**
 * Confusion matrix: `matrix[i][j]` counts records of actual `labels[i]` predicted as `labels[j]`
 * (scikit-learn's `confusion_matrix` layout), labels sorted.
 */
export function confusionMatrix(records: readonly ClassificationRecord[]): {
  labels: string[];
  matrix: number[][];
} {
  const labels = classLabels(records);
  const index = new Map(labels.map((label, i) => [label, i]));
  const matrix = labels.map(() => labels.map(() => 0));
  for (const record of records) {
    const row = matrix[index.get(String(record.actual)) ?? 0];
    const column = index.get(String(record.predicted)) ?? 0;
    if (row !== undefined) row[column] = (row[column] ?? 0) + 1;
  }
  return { labels, matrix };
}

/** Share of records whose prediction equals the actual label; null when there are none. */
export function accuracy(records: readonly ClassificationRecord[]): number | null {
  if (records.length === 0) return null;
  const correct = records.filter((record) => String(record.actual) === String(record.predicted)).length;
  return correct / records.length;
}

/** Precision, recall and F1 of the class `positive` (one-vs-rest). */
export function precisionRecallF1(
  records: readonly ClassificationRecord[],
  positive: ClassLabel,
): ClassScores {
  const { truePositives: tp, falsePositives: fp, falseNegatives: fn } = confusionCounts(records, positive);
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  return { precision, recall, f1, support: tp + fn };
}

/** Precision, recall and F1 of every label (see {@link classLabels}). */
export function perClassPrecisionRecallF1(
  records: readonly ClassificationRecord[],
): (ClassScores & { readonly label: string })[] {
  return classLabels(records).map((label) => ({ label, ...precisionRecallF1(records, label) }));
}

/**
 * Macro averages: the unweighted mean over labels of each class's precision, recall and F1 (so
 * macro F1 is the mean of the F1s, as scikit-learn's `average="macro"`). Zeros when there are no
 * records.
 */
export function macroPrecisionRecallF1(records: readonly ClassificationRecord[]): ClassScores {
  const perClass = perClassPrecisionRecallF1(records);
  const mean = (pick: (scores: ClassScores) => number) =>
    perClass.length === 0 ? 0 : perClass.reduce((sum, scores) => sum + pick(scores), 0) / perClass.length;
  return {
    precision: mean((s) => s.precision),
    recall: mean((s) => s.recall),
    f1: mean((s) => s.f1),
    support: records.length,
  };
}

/**
 * Binary ROC AUC of the scores of class `positive`, as the Mann–Whitney statistic: the share of
 * (positive, negative) pairs the score orders correctly, ties counting one half,
 *
 *   AUC = (R₊ − n₊(n₊ + 1)/2) / (n₊·n₋)
 *
 * with R₊ the sum of the positives' mid-ranks; equal to scikit-learn's `roc_auc_score` (e.g. y =
 * [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] give 0.75). Records without a finite score for
 * `positive` are left out; null unless both classes remain.
 */
export function rocAuc(records: readonly ClassificationRecord[], positive: ClassLabel): number | null {
  const key = String(positive);
  const scored: { score: number; positive: boolean }[] = [];
  for (const record of records) {
    const score = record.scores?.[key];
    if (typeof score === 'number' && Number.isFinite(score)) {
      scored.push({ score, positive: String(record.actual) === key });
    }
  }
  const positives = scored.filter((entry) => entry.positive).length;
  const negatives = scored.length - positives;
  if (positives === 0 || negatives === 0) return null;
  scored.sort((a, b) => a.score - b.score);
  let positiveRankSum = 0;
  for (let start = 0; start < scored.length;) {
    let end = start;
    while (end + 1 < scored.length && scored[end + 1]?.score === scored[start]?.score) end += 1;
    const midRank = (start + end) / 2 + 1;
    for (let i = start; i <= end; i++) if (scored[i]?.positive === true) positiveRankSum += midRank;
    start = end + 1;
  }
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/**
 * Multi-class ROC AUC, one-vs-rest, macro average (scikit-learn's `multi_class="ovr"`,
 * `average="macro"`): the mean of {@link rocAuc} of each actual class against the rest, using that
 * class's probability. Classes whose AUC is undefined are left out; null when none is defined.
 */
export function rocAucOneVsRest(records: readonly ClassificationRecord[]): number | null {
  const classes = [...new Set(records.map((record) => String(record.actual)))].sort();
  const aucs = classes.map((label) => rocAuc(records, label)).filter((auc): auc is number => auc !== null);
  return aucs.length === 0 ? null : aucs.reduce((sum, auc) => sum + auc, 0) / aucs.length;
}

/**
 * Log loss (cross-entropy), −(1/n) Σ ln p̂(actual), with p̂ the record's probability of its actual
 * class clipped to [1e-15, 1 − 1e-15] (scikit-learn's `log_loss`; its doc example gives ≈ 0.21616).
 * Probabilities are used as given, not renormalized. A record with scores lacking its actual class
 * counts as probability 0 (clipped); records without scores are left out; null when none remain.
 */
export function logLoss(records: readonly ClassificationRecord[]): number | null {
  let total = 0;
  let counted = 0;
  for (const record of records) {
    if (record.scores === undefined) continue;
    const probability = record.scores[String(record.actual)] ?? 0;
    const clipped = Math.min(1 - LOG_LOSS_EPSILON, Math.max(LOG_LOSS_EPSILON, probability));
    total -= Math.log(clipped);
    counted += 1;
  }
  return counted === 0 ? null : total / counted;
}

/** Every classifier metric of a window (or slice). */
export interface ClassificationMetrics {
  readonly count: number;
  readonly accuracy: number | null;
  readonly macro: ClassScores;
  readonly perClass: (ClassScores & { readonly label: string })[];
  /** Scores of the positive class, when one is configured. */
  readonly positive: (ClassScores & ConfusionCounts) | null;
  /** Binary AUC of the positive class when configured, else one-vs-rest macro AUC. */
  readonly rocAuc: number | null;
  readonly logLoss: number | null;
}

/** All classifier metrics; with `positive`, ROC AUC is the binary AUC of that class. */
export function classificationMetrics(
  records: readonly ClassificationRecord[],
  options: { readonly positive?: ClassLabel } = {},
): ClassificationMetrics {
  const { positive } = options;
  return {
    count: records.length,
    accuracy: accuracy(records),
    macro: macroPrecisionRecallF1(records),
    perClass: perClassPrecisionRecallF1(records),
    positive:
      positive === undefined
        ? null
        : { ...precisionRecallF1(records, positive), ...confusionCounts(records, positive) },
    rocAuc: positive === undefined ? rocAucOneVsRest(records) : rocAuc(records, positive),
    logLoss: logLoss(records),
  };
}
