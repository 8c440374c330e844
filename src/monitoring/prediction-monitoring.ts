import type { FerryConfig, Logger } from '../core/index.js';
import type { FerryDatabase } from '../store/index.js';
import { FeedbackService } from './feedback/feedback-service.js';
import { FeedbackStore } from './feedback/feedback-store.js';
import { joinedPredictions, type JoinWindow } from './feedback/joined-predictions.js';
import { loadHashSalt } from './log/hash-salt.js';
import { importLegacyPredictions } from './log/legacy-import.js';
import { exportPredictions, type ExportQuery } from './log/prediction-export.js';
import { PredictionLog, type PredictionLogObserver } from './log/prediction-log.js';
import type { JoinedPrediction } from './log/prediction-record.js';
import { PredictionStore } from './log/prediction-store.js';
import { Redactor } from './log/redaction.js';
import { RETENTION_INTERVAL_MS, RetentionTask } from './log/retention-task.js';
import { monitoringSettingsFor } from './monitoring-settings.js';

/** The monitoring block of `GET /api/v1/health`. */
export interface MonitoringHealth {
  /** `monitoring.enabled`. */
  readonly enabled: boolean;
  /** Predictions waiting to be written. */
  readonly buffered: number;
  /** Predictions dropped since start (buffer full, or a failed write). */
  readonly dropped: number;
  /** Why prediction logging is degraded, when it is. */
  readonly warning?: string;
}

/**
 * The prediction side of monitoring on one server: the prediction log (the hot path's sink),
 * the stores of predictions and feedback, and retention.
 */
export interface PredictionMonitoring {
  /** The prediction log; undefined when `monitoring.enabled` is false (nothing is logged). */
  readonly log: PredictionLog | undefined;
  readonly predictions: PredictionStore;
  readonly feedbackStore: FeedbackStore;
  readonly feedback: FeedbackService;
  readonly retention: RetentionTask;
  /** Predictions of a model in a window with their feedback, oldest first (see joinedPredictions). */
  joinedPredictions(model: string, window: JoinWindow): AsyncGenerator<JoinedPrediction>;
  /** An export as text chunks (see exportPredictions). */
  exportPredictions(query: ExportQuery): AsyncGenerator<string>;
  health(): MonitoringHealth;
  /** Start the flush timer and retention. */
  start(): void;
  /** Stop the timers and write what the log still buffers. */
  close(): Promise<void>;
}

export interface PredictionMonitoringDeps {
  readonly config: FerryConfig;
  readonly database: FerryDatabase;
  readonly logger?: Logger | undefined;
  /** Counts logged and dropped predictions (PrometheusMetrics). */
  readonly observer?: PredictionLogObserver | undefined;
  /** Time between retention passes (default one minute). */
  readonly retentionIntervalMs?: number | undefined;
}

/** Compile every model's masks now, so a bad pattern stops the start with INVALID_CONFIG. */
function checkRedaction(config: FerryConfig): void {
  new Redactor(monitoringSettingsFor(config, '').redact, '', 'monitoring.redact');
  for (const model of Object.keys(config.monitoring.overrides)) {
    new Redactor(monitoringSettingsFor(config, model).redact, '', `monitoring.overrides.${model}.redact`);
  }
}

/**
 * Build the prediction log, stores and retention of a server. Reads (or makes) the hash salt in
 * the database. Retention runs even when `monitoring.enabled` is false, so turning monitoring off
 * does not keep old predictions forever.
 */
export async function createPredictionMonitoring(
  deps: PredictionMonitoringDeps,
): Promise<PredictionMonitoring> {
  const { config, database, logger } = deps;
  checkRedaction(config);
  await importLegacyPredictions(database, logger);
  const predictions = new PredictionStore(database);
  const feedbackStore = new FeedbackStore(database);
  const log = config.monitoring.enabled
    ? new PredictionLog({
        config,
        writer: predictions,
        salt: await loadHashSalt(database),
        observer: deps.observer,
        logger,
      })
    : undefined;
  const feedback = new FeedbackService(feedbackStore, log === undefined ? undefined : () => log.flush());
  const retention = new RetentionTask(
    { predictions, feedback: feedbackStore },
    {
      maxAgeMs: config.monitoring.retentionMaxAgeMs,
      maxRows: config.monitoring.retentionMaxRows,
      intervalMs: deps.retentionIntervalMs ?? RETENTION_INTERVAL_MS,
    },
    logger,
  );
  return {
    log,
    predictions,
    feedbackStore,
    feedback,
    retention,
    joinedPredictions: (model, window) => joinedPredictions(predictions, model, window),
    exportPredictions: (query) => exportPredictions(predictions, query),
    health: () => ({ enabled: log !== undefined, ...(log?.health() ?? { buffered: 0, dropped: 0 }) }),
    start() {
      log?.start();
      retention.start();
    },
    async close() {
      await retention.stop();
      await log?.close();
    },
  };
}
