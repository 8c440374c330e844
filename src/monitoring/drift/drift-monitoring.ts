import type { FerryConfig, Logger } from '../../core/index.js';
import type { FerryDatabase } from '../../store/index.js';
import type { PredictionLog } from '../log/prediction-log.js';
import { RETENTION_INTERVAL_MS, RetentionTask } from '../log/retention-task.js';
import { LiveProfileStore } from '../profiles/live-profile-store.js';
import { LiveProfiler } from '../profiles/live-profiler.js';
import { makeReplicaId } from '../profiles/live-windows.js';
import { ReferenceCache } from '../profiles/reference-cache.js';
import {
  ReferenceService,
  runnerFrom,
  type ModelSource,
  type VersionSource,
} from '../profiles/reference-service.js';
import { ReferenceStore } from '../profiles/reference-store.js';
import { InputValidator, type ValidationObserver } from '../validation/input-validator.js';
import { DriftGauges } from './drift-gauges.js';
import { DriftMetricSource } from './drift-metric-source.js';
import { DriftService, driftSettingsOf } from './drift-service.js';

/** What profiles, validation and drift need from the server. */
export interface DriftMonitoringDeps {
  readonly config: FerryConfig;
  readonly database: FerryDatabase;
  /** Resolves versions (the registry). */
  readonly versions: VersionSource;
  /** Loads versions to run a reference dataset through the model (the model manager); without it only inputs are profiled. */
  readonly models?: ModelSource | undefined;
  /** The prediction log to profile and flag; undefined when `monitoring.enabled` is false. */
  readonly log?: PredictionLog | undefined;
  readonly logger?: Logger | undefined;
  /** Counts flagged predictions (PrometheusMetrics). */
  readonly observer?: ValidationObserver | undefined;
  /** This process's replica id (default makeReplicaId()). */
  readonly replica?: string | undefined;
  readonly clock?: (() => number) | undefined;
  /** Time between retention passes of live profiles (default one minute). */
  readonly retentionIntervalMs?: number | undefined;
}

/** Profiles, validation and drift of one server (or of the CLI's data folder, without a log). */
export interface DriftMonitoring {
  /** Attach and read reference profiles. */
  readonly references: ReferenceService;
  /** Reference profiles in memory, shared by the profiler, validation and drift. */
  readonly referenceCache: ReferenceCache;
  readonly referenceStore: ReferenceStore;
  readonly liveStore: LiveProfileStore;
  /** This replica's live profiles; undefined without a prediction log. */
  readonly profiler: LiveProfiler | undefined;
  /** Input validation: the hot-path hook (`check`), the log's flagger and flag counter. */
  readonly validator: InputValidator;
  readonly drift: DriftService;
  /** `drift.share` and `drift.feature` for alert rules. */
  readonly metricSource: DriftMetricSource;
  /** The current window's drift for the Prometheus gauges. */
  readonly gauges: DriftGauges;
  readonly retention: RetentionTask;
  readonly replica: string;
  /** Start flushing live profiles, retention and the gauges' refresh. */
  start(): void;
  /** Stop the timers and write the live profiles still in memory (call after the log closed). */
  close(): Promise<void>;
}

/**
 * Build profiles, validation and drift: subscribe the live profiler and the flag counter to the
 * prediction log, install the validator as its flagger, and wire drift reports to the gauges.
 */
export function createDriftMonitoring(deps: DriftMonitoringDeps): DriftMonitoring {
  const { config, database, log } = deps;
  const logger = deps.logger;
  const clock = deps.clock ?? Date.now;
  const referenceStore = new ReferenceStore(database);
  const referenceCache = new ReferenceCache(referenceStore, { clock, logger });
  const liveStore = new LiveProfileStore(database);
  const replica = deps.replica ?? makeReplicaId();
  const references = new ReferenceService({
    versions: deps.versions,
    store: referenceStore,
    cache: referenceCache,
    runner: deps.models === undefined ? undefined : runnerFrom(deps.models),
    clock: () => new Date(clock()),
  });
  const gauges = new DriftGauges({ clock, windowMs: config.monitoring.windowMs, logger });
  const drift = new DriftService({
    versions: deps.versions,
    references: referenceCache,
    live: liveStore,
    settings: driftSettingsOf(config.monitoring),
    windowMs: config.monitoring.windowMs,
    clock,
    onReport: (report) => gauges.record(report),
  });
  const validator = new InputValidator(config, referenceCache, deps.observer);
  const profiler =
    log === undefined
      ? undefined
      : new LiveProfiler({
          store: liveStore,
          references: referenceCache,
          replica,
          windowMs: config.monitoring.windowMs,
          flushIntervalMs: config.monitoring.profileFlushIntervalMs,
          logger,
          clock,
        });
  const unsubscribe: (() => void)[] = [];
  if (log !== undefined && profiler !== undefined) {
    unsubscribe.push(log.subscribe((batch) => profiler.ingest(batch)));
    unsubscribe.push(log.subscribe(validator.countFlags));
    log.useFlagger(validator.flag);
  }
  const retention = new RetentionTask(
    { 'live profiles': liveStore },
    {
      maxAgeMs: config.monitoring.retentionMaxAgeMs,
      maxRows: config.monitoring.retentionMaxRows,
      intervalMs: deps.retentionIntervalMs ?? RETENTION_INTERVAL_MS,
    },
    logger,
    clock,
  );
  return {
    references,
    referenceCache,
    referenceStore,
    liveStore,
    profiler,
    validator,
    drift,
    metricSource: new DriftMetricSource(drift, referenceCache),
    gauges,
    retention,
    replica,
    start() {
      profiler?.start();
      retention.start();
      if (profiler !== undefined) gauges.start(drift);
    },
    async close() {
      for (const stop of unsubscribe) stop();
      log?.useFlagger(undefined);
      await gauges.stop();
      await retention.stop();
      await profiler?.close();
    },
  };
}
