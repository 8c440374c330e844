/**
 * Alerts: rules over monitoring metrics (drift, validation, live performance, fairness, latency,
 * error rate) evaluated per window; states and their history in the metadata database;
 * notifications to signed webhooks and a retraining trigger, delivered durably with retries.
 */
import type { FerryConfig, Logger } from '../../core/index.js';
import type { FerryDatabase } from '../../store/index.js';
import { alertChannelsFrom } from './alert-channels.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import { AlertEvaluator } from './alert-evaluator.js';
import { alertRulesFrom } from './alert-rule.js';
import { AlertService } from './alert-service.js';
import { AlertStore } from './alert-store.js';
import { CompositeMetricSource, type MetricProviderRegistration } from './composite-metric-source.js';
import type { TrainingSetExporter } from './retrain/training-set-exporter.js';
import { PredictionStore } from '../log/prediction-store.js';
import { PredictionLogExporter } from './prediction-log/prediction-log-exporter.js';
import {
  PREDICTION_LOG_METRICS,
  PredictionLogMetricSource,
} from './prediction-log/prediction-log-metric-source.js';

export {
  METRIC_NAMES,
  isMetricName,
  type MetricName,
  type MetricReading,
  type MetricSelector,
  type MetricSource,
  type MetricWindow,
} from './metric-source.js';
export { CompositeMetricSource, type MetricProviderRegistration } from './composite-metric-source.js';
export {
  alertRulesFrom,
  appliesTo,
  breaches,
  formatAction,
  type AlertAction,
  type AlertRule,
  type AlertSeverity,
} from './alert-rule.js';
export {
  ALERT_STATE_KINDS,
  INACTIVE,
  nextAlertState,
  notificationOf,
  verdictOf,
  type AlertNotificationType,
  type AlertState,
  type AlertStateKind,
  type WindowReading,
  type WindowVerdict,
} from './alert-state.js';
export type { AlertDelivery, AlertEvent, AlertNotice, AlertStatus } from './alert-records.js';
export { AlertStore, type AlertEvaluation } from './alert-store.js';
export { AlertEvaluator, type AlertEvaluatorDeps, type AlertEvaluatorOptions } from './alert-evaluator.js';
export {
  AlertDispatcher,
  type AlertDispatcherDeps,
  type AlertDispatcherOptions,
} from './alert-dispatcher.js';
export type { AlertChannel, AlertChannelSettings, ChannelOutcome } from './alert-channel.js';
export { alertChannelsFrom, resolveSecret } from './alert-channels.js';
export { SIGNATURE_HEADER, signBody, verifySignature } from './alert-signature.js';
export { WebhookChannel, webhookBody, type WebhookBody } from './webhook/webhook-channel.js';
export { RetrainChannel, RETRAIN_CHANNEL, type RetrainSettings } from './retrain/retrain-channel.js';
export type { RetrainManifest } from './retrain/retrain-manifest.js';
export type { TrainingSetExport, TrainingSetExporter } from './retrain/training-set-exporter.js';
export {
  PREDICTION_LOG_METRICS,
  PredictionLogMetricSource,
  type PredictionLogMetricSettings,
} from './prediction-log/prediction-log-metric-source.js';
export { PredictionLogExporter } from './prediction-log/prediction-log-exporter.js';
export {
  AlertService,
  DEFAULT_HISTORY_LIMIT,
  MAX_HISTORY_LIMIT,
  type AlertHistoryQuery,
  type AlertListQuery,
} from './alert-service.js';
export type {
  AlertDeliveryView,
  AlertEventView,
  AlertRuleView,
  AlertStatusView,
  WindowView,
} from './alert-view.js';

/** How often an idle dispatcher looks for deliveries due (retries, other replicas' events). */
const DELIVERY_POLL_MS = 1000;
/** Deliveries in flight at once per process. */
const DELIVERY_CONCURRENCY = 4;

/**
 * What a server plugs into its alerts besides the configuration. Built in: latency, error rate
 * and validation flag rate from the prediction log, and training sets exported from it.
 */
export interface AlertWiring {
  /**
   * Metric providers registered after the built-in ones, in order (a later one replaces an earlier
   * one for a metric): drift, performance and fairness, or a replacement of a built-in.
   */
  readonly metricProviders?: readonly MetricProviderRegistration[] | undefined;
  /** Writes the training set of a retraining trigger, instead of the prediction-log exporter. */
  readonly exporter?: TrainingSetExporter | undefined;
}

/** The alerts of one server: the read service behind the routes, the evaluator and the dispatcher. */
export interface Alerts {
  readonly service: AlertService;
  readonly store: AlertStore;
  /** Where the evaluator reads metrics; providers may be registered until `start()`. */
  readonly metrics: CompositeMetricSource;
  readonly evaluator: AlertEvaluator;
  readonly dispatcher: AlertDispatcher;
  /** Start evaluating (when monitoring is on and rules exist) and delivering. */
  start(): void;
  /** Stop evaluating; give deliveries in flight up to `graceMs`. */
  stop(graceMs: number): Promise<void>;
}

/**
 * Build the alerts of a server from its configuration. Checks the rules, webhooks and retraining
 * trigger now and throws INVALID_CONFIG naming the key (a bad rule stops the server at start
 * rather than never firing).
 */
export function createAlerts(
  deps: {
    config: FerryConfig;
    database: FerryDatabase;
    logger: Logger;
    /** The models in the registry, for rules on `*`. */
    listModels: () => Promise<readonly string[]>;
    env?: NodeJS.ProcessEnv;
    clock?: () => Date;
  } & AlertWiring,
): Alerts {
  const { config } = deps;
  const logger = deps.logger.child({ component: 'alerts' });
  const clock = deps.clock ?? (() => new Date());
  const rules = alertRulesFrom(config.alerts);
  const channels = alertChannelsFrom(config, {
    logger,
    clock,
    env: deps.env ?? process.env,
    exporter: deps.exporter ?? new PredictionLogExporter(new PredictionStore(deps.database)),
  });
  const store = new AlertStore(deps.database);
  const metrics = new CompositeMetricSource([
    {
      metrics: PREDICTION_LOG_METRICS,
      source: new PredictionLogMetricSource(deps.database, { minRequests: config.monitoring.minWindowRows }),
    },
    ...(deps.metricProviders ?? []),
  ]);
  const dispatcher = new AlertDispatcher(
    { store, channels, logger, clock },
    { pollIntervalMs: DELIVERY_POLL_MS, concurrency: DELIVERY_CONCURRENCY },
  );
  const evaluator = new AlertEvaluator(
    {
      store,
      source: metrics,
      rules,
      listModels: deps.listModels,
      logger,
      clock,
      onEnqueued: () => dispatcher.notify(),
    },
    {
      windowMs: config.alerts.windowMs === 0 ? config.monitoring.windowMs : config.alerts.windowMs,
      intervalMs: config.alerts.evaluateIntervalMs,
      // A window is complete once its predictions are written (the log's flush) and profiled (the
      // live profiles' flush): drift reads the profiles, not the log.
      settleMs: config.monitoring.flushIntervalMs + config.monitoring.profileFlushIntervalMs,
    },
  );
  const evaluating = config.monitoring.enabled && rules.length > 0;
  return {
    service: new AlertService(store, rules),
    store,
    metrics,
    evaluator,
    dispatcher,
    start() {
      if (evaluating) {
        for (const rule of rules) {
          if (!metrics.provides(rule.metric)) {
            logger.warn(
              { rule: rule.name, metric: rule.metric },
              `alert rule ${rule.name} watches ${rule.metric}, which no metric provider serves in this server: it gives no verdict`,
            );
          }
        }
        evaluator.start();
      }
      // Deliveries enqueued before a restart are resumed even when no rule is evaluated here.
      if (channels.size > 0) dispatcher.start();
    },
    async stop(graceMs) {
      await evaluator.stop();
      await dispatcher.stop(graceMs);
    },
  };
}
