/**
 * Monitoring: the prediction log (sampling, redaction, retention), named features, feedback,
 * profiles and drift (stats/), alerts (alerts/). Other domains import monitoring from here.
 */

// --- prediction log, features, feedback (src/monitoring/{log,features,feedback}) ---
export {
  monitoringSettingsFor,
  type MaskSetting,
  type ModelMonitoringSettings,
  type RedactSettings,
} from './monitoring-settings.js';
export {
  cachedFeaturesOf,
  featuresOf,
  type FeatureKind,
  type FeatureSet,
  type FeatureSpec,
  type SkippedTensor,
} from './features/feature-spec.js';
export {
  extractRows,
  type ExtractedRow,
  type FeatureValue,
  type NamedTensors,
} from './features/extract-rows.js';
export type {
  FeedbackRecord,
  JoinedPrediction,
  LoggedGroup,
  LoggedPredictions,
  PredictionListener,
  PredictionRecord,
  PredictionStatus,
} from './log/prediction-record.js';
export {
  DROP_WARNING_MS,
  PredictionLog,
  type PredictionFlagger,
  type PredictionLogHealth,
  type PredictionLogObserver,
  type PredictionLogOptions,
  type PredictionWriter,
} from './log/prediction-log.js';
export {
  PredictionStore,
  type PredictionPage,
  type PredictionQuery,
  type PredictionWindow,
} from './log/prediction-store.js';
export {
  DEFAULT_PREDICTIONS_PAGE,
  MAX_PREDICTIONS_PAGE,
  parsePageLimit,
  parsePredictionWindow,
  parseTime,
  type WindowText,
} from './log/prediction-window.js';
export { Redactor } from './log/redaction.js';
export { loadHashSalt } from './log/hash-salt.js';
export {
  RETENTION_INTERVAL_MS,
  RetentionTask,
  type RetainedStore,
  type RetentionResult,
  type RetentionSettings,
} from './log/retention-task.js';
export {
  csvField,
  EXPORT_CONTENT_TYPES,
  EXPORT_FORMATS,
  exportPredictions,
  type ExportFormat,
  type ExportQuery,
} from './log/prediction-export.js';
export { FeedbackStore, type FeedbackInput, type StoreOutcome } from './feedback/feedback-store.js';
export {
  FeedbackService,
  feedbackItemsOf,
  MAX_FEEDBACK_ITEMS,
  parseFeedbackItem,
  type FeedbackItem,
  type FeedbackResult,
  type FeedbackStatus,
} from './feedback/feedback-service.js';
export { joinedPredictions, type JoinWindow } from './feedback/joined-predictions.js';
export {
  createPredictionMonitoring,
  type MonitoringHealth,
  type PredictionMonitoring,
  type PredictionMonitoringDeps,
} from './prediction-monitoring.js';
// --- end prediction log, features, feedback ---

// --- performance and fairness (src/monitoring/performance) ---
export {
  FAIRNESS_METRICS,
  PERFORMANCE_METRICS,
  PerformanceMetricSource,
  PerformanceService,
  evaluationRecord,
  fairnessSummary,
  parseReportWindow,
  performanceSummary,
  resolvePerformanceTask,
  type ClassificationSummary,
  type FairnessGroup,
  type FairnessQuery,
  type FairnessView,
  type PerformanceMetrics,
  type PerformanceQuery,
  type PerformanceReport,
  type PerformanceTask,
  type RegressionSummary,
  type ReportWindow,
  type SliceGroupReport,
  type SliceReport,
  type Verdict,
} from './performance/index.js';
// --- end performance and fairness ---

// --- profiles, validation and drift (src/monitoring/{profiles,validation,drift}) ---
export {
  VersionProfile,
  VersionProfileJsonSchema,
  rebinNumeric,
  type FeatureProfile,
  type FeatureSource,
  type ProfiledRow,
  type VersionProfileJson,
} from './profiles/version-profile.js';
export {
  summarizeFeature,
  summarizeProfile,
  SUMMARY_QUANTILES,
  SUMMARY_TOP_K,
  type CategoricalSummary,
  type FeatureSummary,
  type NumericSummary,
} from './profiles/profile-summary.js';
export {
  DATASET_FORMATS,
  datasetFormatOf,
  datasetFormatOfPath,
  parseCsv,
  parseNdjson,
  readDataset,
  type DatasetFormat,
  type DatasetTable,
  type RawCell,
} from './profiles/reference-dataset.js';
export { cellValue } from './profiles/reference-values.js';
export {
  buildReferenceProfile,
  REFERENCE_BATCH_ROWS,
  type BuiltReference,
  type ModelRunner,
  type ReferenceBuildInput,
} from './profiles/reference-builder.js';
export { ReferenceStore, stampOf, type ReferenceRecord } from './profiles/reference-store.js';
export { ReferenceCache, REFERENCE_REFRESH_MS } from './profiles/reference-cache.js';
export {
  ReferenceService,
  referenceView,
  runnerFrom,
  type ModelSource,
  type ReferenceUpload,
  type ReferenceView,
  type VersionSource,
} from './profiles/reference-service.js';
export { LiveProfileStore, type LiveProfileRow, type VersionRows } from './profiles/live-profile-store.js';
export {
  makeReplicaId,
  mergeLiveRows,
  readLiveProfile,
  windowStartOf,
  type MergedLiveProfile,
  type WindowRange,
} from './profiles/live-windows.js';
export { LiveProfiler, type LiveProfilerOptions, type ReferenceLookup } from './profiles/live-profiler.js';
export {
  ValidationRules,
  VIOLATION_REASONS,
  type FeatureRule,
  type Violation,
  type ViolationReason,
} from './validation/validation-rules.js';
export { flagReason, rejectionMessage } from './validation/validation-messages.js';
export {
  InputValidator,
  type ReferenceSource,
  type ValidationObserver,
  type ValidationPolicy,
} from './validation/input-validator.js';
export {
  computeDriftReport,
  driftDistance,
  type DriftInput,
  type DriftReferenceView,
  type DriftReport,
  type DriftVerdict,
  type FeatureDriftView,
} from './drift/drift-report.js';
export { MAX_DRIFT_WINDOWS, parseDriftWindow } from './drift/drift-window.js';
export {
  DriftService,
  driftSettingsOf,
  type DriftQuery,
  type DriftServiceDeps,
} from './drift/drift-service.js';
export { DRIFT_METRICS, DriftMetricSource } from './drift/drift-metric-source.js';
export { DRIFT_GAUGE_REFRESH_MS, DriftGauges, type DriftGaugeSample } from './drift/drift-gauges.js';
export {
  createDriftMonitoring,
  type DriftMonitoring,
  type DriftMonitoringDeps,
} from './drift/drift-monitoring.js';
// --- end profiles, validation and drift ---
