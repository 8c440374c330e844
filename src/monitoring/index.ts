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
  INSERT_CHUNK_ROWS,
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
