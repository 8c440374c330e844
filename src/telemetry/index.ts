/** Telemetry: Prometheus metrics and Triton-style inference statistics, both fed as serving observers. */
export {
  BATCH_SIZE_BUCKETS,
  LATENCY_BUCKETS_SECONDS,
  PrometheusMetrics,
  type DriftSample, // drift (src/monitoring/drift)
  type DriftSamplesProvider,
  type JobCountsProvider,
  type LoadStateSource,
  type PrometheusMetricsOptions,
} from './prometheus-metrics.js';
export {
  compareVersionKeys,
  InferenceStatistics,
  type BatchStat,
  type DurationStat,
  type InferenceStatisticsOptions,
  type InferenceStats,
  type ModelStat,
  type ModelStatsResponse,
  type VersionKey,
} from './inference-statistics.js';
export { type CacheEnabled } from './request-phases.js';
