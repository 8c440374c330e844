import type { FastifyInstance } from 'fastify';
import type { FerryConfig } from '../core/index.js';
import { createLogger, type Logger } from '../core/index.js';
import { AllowAllAuthorizer } from '../governance/index.js';
import { formatModelRef, parseModelRef } from '../registry/index.js';
import type { Registry } from '../registry/index.js';
import { ModelManager } from '../runtime/index.js';
import { runtimeFor } from '../runtime/index.js';
import { InferenceService, ResponseCache } from '../serving/index.js';
import { Readiness } from '../serving/index.js';
import { VersionResolver } from '../serving/index.js';
import { combineObservers, servingSettingsFor, type InferenceObserver } from '../serving/index.js';
import { InferenceStatistics, PrometheusMetrics } from '../telemetry/index.js';
import { buildApp } from '../http/index.js';
import type { AppDeps } from '../http/index.js';
import { FERRY_VERSION } from '../core/index.js';
import { openStores } from './open-stores.js';
import { createJobs, type JobRouteDeps, type Jobs } from '../jobs/index.js'; // jobs (src/jobs)
import { createPredictionMonitoring, type PredictionMonitoring } from '../monitoring/index.js'; // monitoring
import { createDriftMonitoring, DRIFT_METRICS, type DriftMonitoring } from '../monitoring/index.js'; // drift
import { createAlerts, type AlertWiring, type Alerts } from '../monitoring/alerts/index.js'; // alerts
import type { MetricSource } from '../monitoring/alerts/index.js'; // drift (src/monitoring/drift)
import { PerformanceMetricSource, PerformanceService } from '../monitoring/index.js'; // performance and fairness

/** A running Ferry server. */
export interface FerryServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Receives serving events for metrics and statistics (the same object as the app's `deps.observer`). */
  readonly observer: InferenceObserver;
  /** Prediction log, feedback and retention (src/monitoring). */
  readonly predictionMonitoring: PredictionMonitoring;
  /** Alert rules, their evaluator and the delivery of notifications (src/monitoring/alerts). */
  readonly alerts: Alerts;
  /** Reference and live profiles, input validation and drift (src/monitoring/{profiles,validation,drift}). */
  readonly driftMonitoring: DriftMonitoring;
  /** Settles when start-up preloading is over (each preload succeeded or failed). */
  readonly preloaded: Promise<void>;
  /** Stop accepting, finish in-flight requests (up to `server.shutdownGraceMs`), release models, close stores. */
  close(): Promise<void>;
}

/** Load every `models.preload` entry; failures are logged and left in the manager's state. */
async function preload(
  config: FerryConfig,
  deps: Pick<AppDeps, 'registry' | 'models' | 'readiness'>,
  logger: Logger,
): Promise<void> {
  const loaded: { model: string; version: number }[] = [];
  const unresolved: string[] = [];
  for (const text of config.models.preload) {
    let version;
    try {
      const { model, ref } = parseModelRef(text);
      version = await deps.registry.getVersion(model, ref);
    } catch (error) {
      const reason = `preload '${text}': ${(error as Error).message}`;
      unresolved.push(reason);
      logger.error({ err: error, model: text }, reason);
      continue;
    }
    loaded.push({ model: version.model, version: version.version });
    // A load failure is logged by the manager and kept in its state (readiness reports it).
    await deps.models.acquire(version).catch(() => undefined);
  }
  deps.readiness.markStarted(loaded, unresolved);
}

/**
 * Start Ferry: open the stores, build the serving stack, listen, then preload models in the
 * background (readiness stays false until that is over).
 */
export async function startFerryServer(
  config: FerryConfig,
  options: {
    logger?: Logger;
    /** alerts (src/monitoring/alerts): more metric providers, or another training-set exporter. */
    alerts?: AlertWiring;
  } = {},
): Promise<FerryServer> {
  const logger = options.logger ?? createLogger(config.log.level);
  const { database, registry } = await openStores(config);
  // --- performance and fairness (src/monitoring/performance): reports and their alert provider ---
  const performance = new PerformanceService({ database, registry, config });
  const performanceMetrics = new PerformanceMetricSource(performance);
  // --- end performance and fairness ---
  // --- drift (src/monitoring/drift): built after the prediction log (it subscribes to it); the
  // alerts' drift provider and the Prometheus gauges read it through this reference ---
  const driftRef: { current?: DriftMonitoring | undefined } = {};
  const driftMetrics: MetricSource = {
    read: (model, metric, window, selector) =>
      driftRef.current?.metricSource.read(model, metric, window, selector) ?? Promise.resolve(undefined),
  };
  // --- end drift ---
  // --- alerts (src/monitoring/alerts): rules and channels are checked now; they run once listening ---
  let alerts: Alerts;
  try {
    alerts = createAlerts({
      config,
      database,
      logger,
      listModels: async () => (await registry.listModels()).map((model) => model.name),
      ...options.alerts,
      metricProviders: [
        { metrics: DRIFT_METRICS, source: driftMetrics }, // drift (src/monitoring/drift)
        ...performanceMetrics.registrations(), // performance and fairness
        ...(options.alerts?.metricProviders ?? []),
      ],
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  // --- end alerts ---
  const runtime = runtimeFor(config.runtime);
  const models = new ModelManager(runtime, registry, {
    session: {
      intraOpThreads: config.runtime.intraOpThreads,
      interOpThreads: config.runtime.interOpThreads,
      graphOptimizationLevel: config.runtime.graphOptimizationLevel,
    },
    warmup: config.runtime.warmup,
    loadRetryMs: config.runtime.loadRetryMs,
    onLoaded: (version, loadMs) =>
      logger.info({ model: version.model, version: version.version, loadMs }, 'model loaded'),
    onFailed: (version, error) =>
      logger.error(
        { model: version.model, version: version.version, err: error.cause ?? error },
        error.message,
      ),
  });
  // --- telemetry (src/telemetry): metrics and statistics, fed by the serving layer through `observer` ---
  const cacheEnabled = (model: string) => servingSettingsFor(config, model).cacheEnabled;
  // Jobs are built after the inference service (they run through it); metrics read them lazily.
  const jobsRef: { current?: Jobs | undefined } = {};
  const metrics = new PrometheusMetrics({
    models,
    cacheEnabled,
    jobCounts: () => jobsRef.current?.counts() ?? Promise.resolve({}),
    driftSamples: () => driftRef.current?.gauges.samples() ?? [], // drift (src/monitoring/drift)
    onCollectError: (error, metric) => logger.warn({ err: error, metric }, `metric ${metric} not collected`),
  });
  const statistics = new InferenceStatistics({ cacheEnabled });
  const observer = combineObservers(metrics, statistics);
  // --- end telemetry ---
  // --- monitoring (src/monitoring): the prediction log is the hot path's sink; it flushes off it ---
  const predictionMonitoring = await createPredictionMonitoring({
    config,
    database,
    logger: logger.child({ component: 'monitoring' }),
    observer: metrics,
  }).catch(async (error: unknown) => {
    await runtime.close();
    await database.close();
    throw error;
  });
  // --- end monitoring ---
  // --- profiles, validation and drift (src/monitoring/{profiles,validation,drift}) ---
  const driftMonitoring = createDriftMonitoring({
    config,
    database,
    versions: registry,
    models,
    log: predictionMonitoring.log,
    logger: logger.child({ component: 'drift' }),
    observer: metrics,
  });
  driftRef.current = driftMonitoring;
  // --- end profiles, validation and drift ---
  const resolver = new VersionResolver(registry, config.registry.resolveCacheMs);
  const cache = new ResponseCache(config.cache.maxBytes);
  const inference = new InferenceService(
    resolver,
    models,
    config,
    observer,
    cache,
    undefined,
    predictionMonitoring.log, // monitoring (src/monitoring)
    driftMonitoring.validator, // validation (src/monitoring/validation): monitoring.validation reject|flag|off
  );
  const readiness = new Readiness(models, config.server.strictReadiness);
  // --- jobs (src/jobs): async inference; workers start once the server listens ---
  const jobs = config.jobs.enabled ? createJobs({ config, database, inference, logger }) : undefined;
  jobsRef.current = jobs;
  // --- end jobs ---
  const deps: AppDeps & JobRouteDeps = {
    jobs: jobs?.service, // jobs (src/jobs)
    config,
    serverVersion: FERRY_VERSION,
    registry,
    runtime,
    models,
    resolver,
    inference,
    readiness,
    authorizer: new AllowAllAuthorizer(),
    observer,
    metrics,
    statistics,
    predictionMonitoring, // monitoring (src/monitoring)
    performance, // performance and fairness (src/monitoring/performance)
    alerts: alerts.service, // alerts (src/monitoring/alerts)
    drift: driftMonitoring, // drift (src/monitoring/drift): reference and drift routes
  };
  const app = await buildApp(deps, logger);
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await app.close();
    await runtime.close();
    await database.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;
  logger.info(
    { url, preload: config.models.preload.map((ref) => formatModelRef(parseModelRef(ref))) },
    'ferry listening',
  );
  const preloaded = preload(config, deps, logger);
  jobs?.start(); // jobs (src/jobs)
  predictionMonitoring.start(); // monitoring (src/monitoring): flush timer and retention
  driftMonitoring.start(); // drift (src/monitoring/drift): live profile flushes, their retention, gauges
  alerts.start(); // alerts (src/monitoring/alerts): evaluation rounds and deliveries

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      readiness.markDraining();
      logger.info('draining: finishing in-flight requests');
      // jobs (src/jobs): stop claiming; running jobs get the grace period, then go back to the queue.
      const jobsStopped = jobs?.stop(config.server.shutdownGraceMs);
      // alerts (src/monitoring/alerts): no new rounds; deliveries in flight get the grace period.
      const alertsStopped = alerts.stop(config.server.shutdownGraceMs);
      let endGrace: () => void = () => undefined;
      const graceOver = new Promise<void>((done) => (endGrace = done));
      const grace = setTimeout(() => {
        logger.warn(
          `requests still running after ${config.server.shutdownGraceMs} ms (server.shutdownGraceMs); closing connections`,
        );
        app.server.closeAllConnections();
        endGrace();
      }, config.server.shutdownGraceMs);
      grace.unref();
      // Keep accepting until quiet (bounded by the grace period), then stop listening and close
      // keep-alive connections as their requests finish.
      await Promise.race([app.drainer.waitUntilQuiet(), graceOver]);
      await Promise.all([app.close(), app.drainer.drain()]);
      clearTimeout(grace);
      await preloaded;
      await jobsStopped; // jobs (src/jobs)
      await alertsStopped; // alerts (src/monitoring/alerts)
      await predictionMonitoring.close(); // monitoring: write what the prediction log still buffers
      await driftMonitoring.close(); // drift: write the live profiles still in memory
      await models.close();
      await runtime.close();
      await database.close();
      logger.info('stopped');
    })());
  return {
    url,
    app,
    registry,
    logger,
    observer,
    predictionMonitoring,
    alerts,
    driftMonitoring,
    preloaded,
    close,
  };
}
