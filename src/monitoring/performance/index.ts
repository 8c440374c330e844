/**
 * Live performance and fairness: the prediction log joined with feedback, per window and version.
 * Task resolution from a version's signature, pure report builders, the service behind
 * `GET /api/v1/models/{model}/performance|fairness`, and the alert provider of the `performance.*`
 * and `fairness.*` metrics.
 */
export {
  actualClass,
  actualValue,
  classScores,
  evaluationRecord,
  labelOf,
  predictedClass,
  predictionName,
  resolvePerformanceTask,
  type ClassPrediction,
  type PerformanceTask,
  type ResolvedTask,
  type ScoreColumn,
  type TaskSettings,
} from './performance-task.js';
export { parseReportWindow, windowContaining, type ReportWindow } from './report-window.js';
export {
  featureValueOf,
  groupFeature,
  MAX_VALUE_GROUPS,
  MISSING_GROUP,
  NUMERIC_BUCKETS,
  type FeatureGroup,
  type FeatureGrouping,
} from './feature-groups.js';
export {
  classificationSummary,
  performanceSummary,
  regressionSummary,
  type ClassificationSummary,
  type PerformanceInput,
  type PerformanceMetrics,
  type PerformanceSummary,
  type RegressionSummary,
  type SlicedRecord,
  type SliceGroupReport,
  type SliceReport,
  type Verdict,
} from './performance-report.js';
export {
  fairnessSummary,
  type FairnessGroup,
  type FairnessRow,
  type FairnessSettings,
  type FairnessSummary,
} from './fairness-summary.js';
export {
  PerformanceService,
  type FairnessQuery,
  type FairnessView,
  type PerformanceQuery,
  type PerformanceReport,
  type PerformanceServiceDeps,
} from './performance-service.js';
export {
  FAIRNESS_METRICS,
  PERFORMANCE_METRICS,
  PerformanceMetricSource,
  type PerformanceReports,
} from './performance-metric-source.js';
