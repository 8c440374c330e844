import type { Signature, TensorSpec } from '../../registry/index.js';
import type { ClassificationRecord, RegressionRecord } from '../stats/index.js';
import type { FeatureValue } from '../features/extract-rows.js';
import { cachedFeaturesOf, type FeatureSpec } from '../features/feature-spec.js';
import type { JoinedPrediction } from '../log/prediction-record.js';
import type { ModelMonitoringSettings } from '../monitoring-settings.js';

/** The settings task resolution reads (`monitoring.*`, per model). */
export type TaskSettings = Pick<
  ModelMonitoringSettings,
  'task' | 'predictionOutput' | 'scoreOutput' | 'positiveClass'
>;

/** One class-score column: the class label and the output feature holding its score. */
export interface ScoreColumn {
  readonly label: string;
  readonly feature: string;
}

/** Where a classifier's predicted class comes from. */
export type ClassPrediction =
  /** A 1-D output feature holding the class label (e.g. `species`). */
  | { readonly kind: 'feature'; readonly feature: string }
  /** The label of the highest score among these columns (ties: the first column). */
  | { readonly kind: 'argmax'; readonly output: string; readonly columns: readonly ScoreColumn[] };

/** What live performance means for one version, resolved from its signature and settings. */
export type PerformanceTask =
  | {
      readonly kind: 'classification';
      readonly prediction: ClassPrediction;
      /** Class scores (probabilities) for ROC AUC and log loss; null when the version has none. */
      readonly scores: { readonly output: string; readonly columns: readonly ScoreColumn[] } | null;
    }
  | {
      readonly kind: 'regression';
      /** The numeric output feature compared with feedback `value`. */
      readonly prediction: string;
    }
  | {
      readonly kind: 'unresolved';
      /** Why no task could be resolved, and what to configure. */
      readonly reason: string;
    };

/** A resolved task (classification or regression). */
export type ResolvedTask = Exclude<PerformanceTask, { kind: 'unresolved' }>;

/** How a task names its prediction in reports: `species`, or `argmax(probabilities)`. */
export function predictionName(task: ResolvedTask): string {
  if (task.kind === 'regression') return task.prediction;
  return task.prediction.kind === 'feature' ? task.prediction.feature : `argmax(${task.prediction.output})`;
}

/** Class names before class indexes: a text or boolean label reads like the feedback. */
const LABEL_DATATYPE_RANK: Readonly<Record<string, number>> = { BYTES: 0, BOOL: 1 };

/** The output features of one output tensor, in column order. */
const columnsOf = (features: readonly FeatureSpec[], output: string): FeatureSpec[] =>
  features.filter((f) => f.source === 'output' && f.tensor === output && f.column !== null);

function scoreColumns(spec: TensorSpec, features: readonly FeatureSpec[]): ScoreColumn[] {
  return columnsOf(features, spec.name).map((feature) => ({
    label: spec.labels?.[feature.column ?? 0] ?? String(feature.column),
    feature: feature.name,
  }));
}

/** A 1-D output feature (`column` null), by tensor name. */
const oneDimensional = (features: readonly FeatureSpec[], output: string): FeatureSpec | undefined =>
  features.find((f) => f.source === 'output' && f.tensor === output && f.column === null);

const unresolved = (reason: string): PerformanceTask => ({ kind: 'unresolved', reason });

/**
 * What live performance compares for a version (pure):
 *
 * - **classification** when `task` is `classification`, or `auto` and some output has `labels` or
 *   a categorical 1-D output (a class label: BYTES, BOOL or INT64) exists. The prediction is the
 *   `predictionOutput` (a 1-D output, or a multi-column one whose argmax is taken); by default the
 *   categorical 1-D output (class names — BYTES, BOOL — before INT64 indexes; the first in signature
 *   order), else the argmax of the score output's columns. The scores are `scoreOutput`, by default
 *   the first output with labels: `{label: score}` from its `<output>[<label>]` columns.
 * - **regression** when `task` is `regression`, or `auto` and none of the above: the prediction is
 *   `predictionOutput`, by default the first numeric 1-D output (or the only column of a one-column
 *   output such as `[N, 1]`), compared with feedback `value`.
 *
 * Anything else is `unresolved`, with the reason and the setting that would resolve it.
 */
export function resolvePerformanceTask(signature: Signature, settings: TaskSettings): PerformanceTask {
  const { features } = cachedFeaturesOf(signature);
  const outputs = signature.outputs;
  const byName = new Map(outputs.map((spec) => [spec.name, spec]));
  const named = (setting: 'predictionOutput' | 'scoreOutput'): TensorSpec | undefined | null => {
    const name = settings[setting];
    if (name === '') return null;
    return byName.get(name);
  };
  const known = outputs.map((spec) => `'${spec.name}'`).join(', ') || 'none';
  const predictionSpec = named('predictionOutput');
  if (predictionSpec === undefined) {
    return unresolved(
      `monitoring.predictionOutput '${settings.predictionOutput}' is not an output of this version (its outputs: ${known})`,
    );
  }
  const scoreSpec = named('scoreOutput');
  if (scoreSpec === undefined) {
    return unresolved(
      `monitoring.scoreOutput '${settings.scoreOutput}' is not an output of this version (its outputs: ${known})`,
    );
  }
  const labelled = outputs.find(
    (spec) => spec.labels !== undefined && columnsOf(features, spec.name).length > 0,
  );
  const categorical = outputs
    .map((spec, index) => ({ spec, index, feature: oneDimensional(features, spec.name) }))
    .filter((entry) => entry.feature?.kind === 'categorical')
    .sort(
      (a, b) =>
        (LABEL_DATATYPE_RANK[a.spec.datatype] ?? 2) - (LABEL_DATATYPE_RANK[b.spec.datatype] ?? 2) ||
        a.index - b.index,
    );
  const kind =
    settings.task === 'auto'
      ? labelled !== undefined || categorical.length > 0
        ? 'classification'
        : 'regression'
      : settings.task;

  if (kind === 'regression') {
    const spec =
      predictionSpec ??
      outputs.find((s) => oneDimensional(features, s.name)?.kind === 'numeric') ??
      outputs.find((s) => s.labels === undefined && columnsOf(features, s.name).length === 1);
    if (spec === undefined) {
      return unresolved(
        `no output of this version is one number per row (a 1-D numeric output or a one-column one); set monitoring.predictionOutput (its outputs: ${known})`,
      );
    }
    const single = oneDimensional(features, spec.name) ?? singleColumn(features, spec.name);
    if (single === undefined) {
      return unresolved(
        `output '${spec.name}' holds several numbers per row; a regression prediction is one number (set monitoring.predictionOutput)`,
      );
    }
    return { kind: 'regression', prediction: single.name };
  }

  const scoreOf = scoreSpec ?? labelled ?? null;
  const scores =
    scoreOf === null || columnsOf(features, scoreOf.name).length === 0
      ? null
      : { output: scoreOf.name, columns: scoreColumns(scoreOf, features) };
  let prediction: ClassPrediction | undefined;
  if (predictionSpec !== null) {
    const feature = oneDimensional(features, predictionSpec.name);
    if (feature !== undefined) prediction = { kind: 'feature', feature: feature.name };
    else if (columnsOf(features, predictionSpec.name).length > 0) {
      prediction = {
        kind: 'argmax',
        output: predictionSpec.name,
        columns: scoreColumns(predictionSpec, features),
      };
    }
  } else if (categorical[0]?.feature !== undefined) {
    prediction = { kind: 'feature', feature: categorical[0].feature.name };
  } else if (scores !== null) {
    prediction = { kind: 'argmax', ...scores };
  } else {
    // Told it is a classifier: a numeric 1-D output holds class codes (e.g. 0/1 as FP32).
    const codes = outputs.map((spec) => oneDimensional(features, spec.name)).find((f) => f !== undefined);
    if (codes !== undefined) prediction = { kind: 'feature', feature: codes.name };
  }
  if (prediction === undefined) {
    return unresolved(
      `no output of this version holds a class: give an output class labels (signature labels) or set monitoring.predictionOutput (its outputs: ${known})`,
    );
  }
  return { kind: 'classification', prediction, scores };
}

function singleColumn(features: readonly FeatureSpec[], output: string): FeatureSpec | undefined {
  const columns = columnsOf(features, output);
  return columns.length === 1 ? columns[0] : undefined;
}

/** The label of a feature value, as labels are compared (`String(label)`); null when missing. */
export const labelOf = (value: FeatureValue | undefined): string | null =>
  value === null || value === undefined ? null : String(value);

/** The predicted class of a logged prediction under a classification task; null when missing. */
export function predictedClass(
  task: Extract<ResolvedTask, { kind: 'classification' }>,
  outputs: Readonly<Record<string, FeatureValue>>,
): string | null {
  const { prediction } = task;
  if (prediction.kind === 'feature') return labelOf(outputs[prediction.feature]);
  let best: ScoreColumn | undefined;
  let bestScore = -Infinity;
  for (const column of prediction.columns) {
    const score = outputs[column.feature];
    if (typeof score === 'number' && score > bestScore) {
      best = column;
      bestScore = score;
    }
  }
  return best?.label ?? null;
}

/** The class scores of a logged prediction, `{label: score}`; undefined when it has none. */
export function classScores(
  task: Extract<ResolvedTask, { kind: 'classification' }>,
  outputs: Readonly<Record<string, FeatureValue>>,
): Record<string, number> | undefined {
  if (task.scores === null) return undefined;
  const scores: Record<string, number> = {};
  let any = false;
  for (const column of task.scores.columns) {
    const score = outputs[column.feature];
    if (typeof score === 'number' && Number.isFinite(score)) {
      scores[column.label] = score;
      any = true;
    }
  }
  return any ? scores : undefined;
}

/** The true class of feedback: its `label`, else its `value` (a numeric class); null when neither. */
export function actualClass(feedback: JoinedPrediction['feedback']): string | null {
  if (feedback === null) return null;
  if (feedback.label !== null) return String(feedback.label);
  return feedback.value === null ? null : String(feedback.value);
}

/** The true value of feedback: its `value`, else a numeric `label`; null when neither. */
export function actualValue(feedback: JoinedPrediction['feedback']): number | null {
  if (feedback === null) return null;
  if (feedback.value !== null) return feedback.value;
  return typeof feedback.label === 'number' ? feedback.label : null;
}

/**
 * A logged prediction with feedback as a metric record of its task, or null when it cannot be
 * compared (no feedback of the right kind, or no prediction, e.g. a redacted output).
 */
export function evaluationRecord(
  task: ResolvedTask,
  prediction: Pick<JoinedPrediction, 'outputs' | 'feedback'>,
): ClassificationRecord | RegressionRecord | null {
  if (task.kind === 'regression') {
    const predicted = prediction.outputs[task.prediction];
    const actual = actualValue(prediction.feedback);
    if (typeof predicted !== 'number' || !Number.isFinite(predicted) || actual === null) return null;
    return { actual, predicted };
  }
  const actual = actualClass(prediction.feedback);
  const predicted = predictedClass(task, prediction.outputs);
  if (actual === null || predicted === null) return null;
  const scores = classScores(task, prediction.outputs);
  return scores === undefined ? { actual, predicted } : { actual, predicted, scores };
}
