/**
 * Statistics for model monitoring: mergeable profiles (DDSketch quantiles, fixed-bin histograms,
 * capped category counts), drift measures and verdicts (Evidently's defaults), classifier and
 * regressor metrics, and group fairness (Fairlearn's definitions). Pure: no I/O.
 */
export { DDSketch, DDSketchJsonSchema, DEFAULT_RELATIVE_ACCURACY, type DDSketchJson } from './dd-sketch.js';
export {
  ksStatistic,
  totalWeight,
  wasserstein1,
  weightedSample,
  type WeightedValue,
} from './empirical-distribution.js';
export { binIndex, DEFAULT_HISTOGRAM_BINS, quantileEdges } from './histogram.js';
export {
  DISCRETE_VALUE_LIMIT,
  MAX_PROFILED_MAGNITUDE,
  NumericProfile,
  NumericProfileJsonSchema,
  type NumericProfileJson,
  type NumericProfileOptions,
} from './numeric-profile.js';
export {
  CategoricalProfile,
  CategoricalProfileJsonSchema,
  DEFAULT_MAX_CATEGORIES,
  OTHER_CATEGORY,
  type CategoricalProfileJson,
  type CategoryFrequency,
} from './categorical-profile.js';
export {
  chiSquareSurvival,
  kolmogorovSurvival,
  ksTwoSamplePValue,
  normalTwoSidedPValue,
} from './p-values.js';
export {
  alignCategoryCounts,
  chiSquareTest,
  fillEmptyBins,
  jensenShannonDistance,
  ksTest,
  proportionZTest,
  psi,
  PSI_EMPTY_BIN_SHARE,
  toProportions,
  UNSEEN_CATEGORY_PSEUDO_COUNT,
  WASSERSTEIN_MIN_NORM,
  wassersteinNormed,
  type ChiSquareTestResult,
  type KsTestResult,
  type ZTestResult,
} from './drift-measures.js';
export {
  datasetDrift,
  DEFAULT_DRIFT_SETTINGS,
  featureDrift,
  type DatasetDrift,
  type DriftMethod,
  type DriftSettings,
  type FeatureDrift,
} from './drift-verdict.js';
export {
  accuracy,
  classificationMetrics,
  classLabels,
  confusionCounts,
  confusionMatrix,
  LOG_LOSS_EPSILON,
  logLoss,
  macroPrecisionRecallF1,
  perClassPrecisionRecallF1,
  precisionRecallF1,
  rocAuc,
  rocAucOneVsRest,
  type ClassificationMetrics,
  type ClassificationRecord,
  type ClassLabel,
  type ClassScores,
  type ConfusionCounts,
} from './classification-metrics.js';
export {
  meanAbsoluteError,
  regressionMetrics,
  rootMeanSquaredError,
  type RegressionMetrics,
  type RegressionRecord,
} from './regression-metrics.js';
export {
  fairnessReport,
  FOUR_FIFTHS,
  groupRates,
  type FairnessOptions,
  type FairnessRecord,
  type FairnessReport,
  type GroupRates,
} from './fairness-metrics.js';
export { bySlice } from './slices.js';
