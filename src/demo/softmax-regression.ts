import { mulberry32 } from './seeded-random.js';
import { stratifiedSplit } from './stratified-split.js';

/** Hyperparameters of `trainSoftmaxRegression`. */
export interface SoftmaxRegressionOptions {
  /** Step size of full-batch gradient descent. */
  readonly learningRate: number;
  /** Number of full-batch gradient steps. */
  readonly epochs: number;
  /** L2 penalty on the weights (not the bias): adds `l2/2 · ‖W‖²` to the loss. */
  readonly l2: number;
  /** Seed of the PRNG that draws the train/test split. */
  readonly seed: number;
  /** Share of each class held out for testing. */
  readonly testFraction: number;
}

/**
 * A trained multinomial logistic regression with its standardization, all in float32 as exported:
 * `softmax(((x − mean) / std) · weights + bias)`.
 */
export interface SoftmaxRegressionModel {
  readonly featureCount: number;
  readonly classCount: number;
  /** Per-feature mean of the training rows. */
  readonly mean: Float32Array;
  /** Per-feature standard deviation of the training rows (1 where a feature is constant). */
  readonly std: Float32Array;
  /** `featureCount × classCount`, row-major. */
  readonly weights: Float32Array;
  /** One per class. */
  readonly bias: Float32Array;
}

/** Loss (mean cross-entropy plus L2 penalty) after a given number of epochs. */
export interface TrainingLogEntry {
  readonly epoch: number;
  readonly loss: number;
}

/** A trained model, how it was split, and how well it does on each side of the split. */
export interface SoftmaxRegressionTraining {
  readonly model: SoftmaxRegressionModel;
  readonly trainIndices: readonly number[];
  readonly testIndices: readonly number[];
  readonly trainAccuracy: number;
  readonly heldOutAccuracy: number;
  /** Loss after 0, `LOG_EVERY`, 2·`LOG_EVERY`, … gradient steps, always ending with the final epoch. */
  readonly log: readonly TrainingLogEntry[];
  readonly finalLoss: number;
}

const LOG_EVERY = 100;

/**
 * Train a multinomial logistic regression, deterministically: a seeded stratified split, features
 * standardized with the training rows' mean and std, weights from zero by full-batch gradient
 * descent on cross-entropy with L2. Accuracies are measured with the float32 forward pass, so they
 * are the accuracies of the exported model.
 *
 * @param features raw feature rows, all of the same length
 * @param labels class index of each row, in `[0, classCount)`
 */
export function trainSoftmaxRegression(
  features: readonly (readonly number[])[],
  labels: readonly number[],
  classCount: number,
  options: SoftmaxRegressionOptions,
): SoftmaxRegressionTraining {
  const featureCount = features[0]?.length ?? 0;
  if (features.length !== labels.length || featureCount === 0) {
    throw new RangeError('training needs at least one feature row and exactly one label per row');
  }
  const { trainIndices, testIndices } = stratifiedSplit(
    labels,
    options.testFraction,
    mulberry32(options.seed),
  );
  const trainFeatures = trainIndices.map((row) => features[row]!);
  const trainLabels = trainIndices.map((row) => labels[row]!);

  const { mean, std } = columnMeanAndStd(trainFeatures);
  const standardized = trainFeatures.map((row) => row.map((value, j) => (value - mean[j]!) / std[j]!));
  const weights = new Float64Array(featureCount * classCount);
  const bias = new Float64Array(classCount);
  const log: TrainingLogEntry[] = [];
  let finalLoss = Number.NaN;
  for (let epoch = 0; ; epoch++) {
    const { loss, weightGradient, biasGradient } = lossAndGradient(
      standardized,
      trainLabels,
      weights,
      bias,
      options.l2,
    );
    if (epoch % LOG_EVERY === 0 || epoch === options.epochs) log.push({ epoch, loss });
    if (epoch === options.epochs) {
      finalLoss = loss;
      break;
    }
    weightGradient.forEach((gradient, w) => (weights[w]! -= options.learningRate * gradient));
    biasGradient.forEach((gradient, k) => (bias[k]! -= options.learningRate * gradient));
  }

  const model: SoftmaxRegressionModel = {
    featureCount,
    classCount,
    mean: Float32Array.from(mean),
    std: Float32Array.from(std),
    weights: Float32Array.from(weights),
    bias: Float32Array.from(bias),
  };
  return {
    model,
    trainIndices,
    testIndices,
    trainAccuracy: accuracy(model, features, labels, trainIndices),
    heldOutAccuracy: accuracy(model, features, labels, testIndices),
    log,
    finalLoss,
  };
}

/**
 * Class probabilities for raw (unstandardized) feature rows, computed step by step in float32 the way
 * the exported ONNX graph computes them (Sub, Div, MatMul, Add, Softmax), so the two agree to ~1e-7.
 */
export function predictProbabilities(
  model: SoftmaxRegressionModel,
  rawFeatures: readonly (readonly number[])[],
): number[][] {
  const f32 = Math.fround;
  const { featureCount, classCount, mean, std, weights, bias } = model;
  return rawFeatures.map((raw) => {
    const standardized = Array.from({ length: featureCount }, (_, j) =>
      f32(f32(f32(raw[j]!) - mean[j]!) / std[j]!),
    );
    const logits = Array.from({ length: classCount }, (_, k) => {
      let sum = 0;
      for (let j = 0; j < featureCount; j++)
        sum = f32(sum + f32(standardized[j]! * weights[j * classCount + k]!));
      return f32(sum + bias[k]!);
    });
    const max = Math.max(...logits);
    const exps = logits.map((logit) => f32(Math.exp(f32(logit - max))));
    const reciprocal = f32(1 / exps.reduce((sum, value) => f32(sum + value), 0));
    return exps.map((value) => f32(value * reciprocal));
  });
}

/** The predicted class of each raw feature row: the first index of the highest probability. */
export function predictClasses(
  model: SoftmaxRegressionModel,
  rawFeatures: readonly (readonly number[])[],
): number[] {
  return predictProbabilities(model, rawFeatures).map(argMax);
}

/** Index of the first largest value (what ONNX `ArgMax` returns). */
export function argMax(values: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i]! > values[best]!) best = i;
  return best;
}

function columnMeanAndStd(rows: readonly (readonly number[])[]): { mean: number[]; std: number[] } {
  const width = rows[0]!.length;
  const mean = Array.from(
    { length: width },
    (_, j) => rows.reduce((sum, row) => sum + row[j]!, 0) / rows.length,
  );
  const std = mean.map((m, j) => {
    const variance = rows.reduce((sum, row) => sum + (row[j]! - m) ** 2, 0) / rows.length;
    return variance > 0 ? Math.sqrt(variance) : 1;
  });
  return { mean, std };
}

/** Mean cross-entropy plus L2 penalty at the current parameters, and its gradient. */
function lossAndGradient(
  rows: readonly (readonly number[])[],
  labels: readonly number[],
  weights: Float64Array,
  bias: Float64Array,
  l2: number,
): { loss: number; weightGradient: Float64Array; biasGradient: Float64Array } {
  const classCount = bias.length;
  const featureCount = weights.length / classCount;
  const weightGradient = new Float64Array(weights.length);
  const biasGradient = new Float64Array(classCount);
  const logits = new Float64Array(classCount);
  let crossEntropy = 0;
  rows.forEach((row, i) => {
    for (let k = 0; k < classCount; k++) {
      let sum = bias[k]!;
      for (let j = 0; j < featureCount; j++) sum += row[j]! * weights[j * classCount + k]!;
      logits[k] = sum;
    }
    let max = logits[0]!;
    for (let k = 1; k < classCount; k++) max = Math.max(max, logits[k]!);
    let total = 0;
    for (let k = 0; k < classCount; k++) total += Math.exp(logits[k]! - max);
    const label = labels[i]!;
    crossEntropy += Math.log(total) - (logits[label]! - max);
    for (let k = 0; k < classCount; k++) {
      const error = Math.exp(logits[k]! - max) / total - (k === label ? 1 : 0);
      biasGradient[k]! += error;
      for (let j = 0; j < featureCount; j++) weightGradient[j * classCount + k]! += error * row[j]!;
    }
  });
  const n = rows.length;
  let squaredWeights = 0;
  weights.forEach((weight, w) => {
    squaredWeights += weight ** 2;
    weightGradient[w] = weightGradient[w]! / n + l2 * weight;
  });
  biasGradient.forEach((gradient, k) => (biasGradient[k] = gradient / n));
  return { loss: crossEntropy / n + (l2 / 2) * squaredWeights, weightGradient, biasGradient };
}

function accuracy(
  model: SoftmaxRegressionModel,
  features: readonly (readonly number[])[],
  labels: readonly number[],
  indices: readonly number[],
): number {
  if (indices.length === 0) return Number.NaN;
  const predicted = predictClasses(
    model,
    indices.map((row) => features[row]!),
  );
  return predicted.filter((label, i) => label === labels[indices[i]!]).length / indices.length;
}
