/**
 * The demo domain: the penguin species model Ferry serves out of the box (trained here, in
 * TypeScript, on data from the `vega-datasets` package) and random MLPs for benchmarks and tests.
 */
export { buildDemoModel, DEMO_MODEL_NAME, type DemoModel, type DemoInferenceRequest } from './demo-model.js';
export { buildRandomMlp, mlpParameterCount, type MlpShape, type RandomMlpOptions } from './random-mlp.js';
export {
  loadPenguins,
  PENGUIN_FEATURES,
  PENGUIN_SPECIES,
  type PenguinDataset,
  type PenguinDataSource,
  type PenguinFeature,
  type PenguinRow,
  type PenguinSpecies,
} from './penguins-dataset.js';
export {
  predictProbabilities,
  predictClasses,
  trainSoftmaxRegression,
  type SoftmaxRegressionModel,
  type SoftmaxRegressionOptions,
  type SoftmaxRegressionTraining,
} from './softmax-regression.js';
export { exportSoftmaxRegressionToOnnx, type SoftmaxRegressionExportOptions } from './export-onnx.js';
export {
  trainPenguinClassifier,
  PENGUIN_TRAINING_OPTIONS,
  type PenguinClassifierTraining,
} from './train-penguin-classifier.js';
