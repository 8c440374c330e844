import type { PenguinDataset } from './penguins-dataset.js';
import { loadPenguins, PENGUIN_SPECIES } from './penguins-dataset.js';
import type { SoftmaxRegressionOptions, SoftmaxRegressionTraining } from './softmax-regression.js';
import { trainSoftmaxRegression } from './softmax-regression.js';

/**
 * The demo's hyperparameters, fixed before looking at held-out results (seed 42 is the customary
 * arbitrary seed). Changing any of them changes the demo model's bytes.
 */
export const PENGUIN_TRAINING_OPTIONS: SoftmaxRegressionOptions = {
  learningRate: 0.5,
  epochs: 1000,
  l2: 0.001,
  seed: 42,
  testFraction: 0.2,
};

/** The penguins data and the softmax regression trained on it. */
export interface PenguinClassifierTraining {
  readonly dataset: PenguinDataset;
  readonly training: SoftmaxRegressionTraining;
  readonly options: SoftmaxRegressionOptions;
  /** Wall-clock training time, for logs only (never written into the model). */
  readonly trainingMilliseconds: number;
}

/** Load the penguins and train the demo's species classifier on the four measurements. */
export function trainPenguinClassifier(
  options: SoftmaxRegressionOptions = PENGUIN_TRAINING_OPTIONS,
): PenguinClassifierTraining {
  const dataset = loadPenguins();
  const features = dataset.rows.map((row) => row.features);
  const labels = dataset.rows.map((row) => PENGUIN_SPECIES.indexOf(row.species));
  const started = performance.now();
  const training = trainSoftmaxRegression(features, labels, PENGUIN_SPECIES.length, options);
  return { dataset, training, options, trainingMilliseconds: performance.now() - started };
}
