import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { LoadState } from '../runtime/index.js';
import type { BatchExecuted, InferenceObserver, RequestFinished } from '../serving/index.js';
import {
  cacheLookup,
  cleanSeconds,
  memoizeCacheEnabled,
  ranModel,
  waitedInQueue,
  type CacheEnabled,
} from './request-phases.js';

/** Histogram buckets for request phases, in seconds: 0.1 ms to 10 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/** Histogram buckets for rows per run. */
export const BATCH_SIZE_BUCKETS: readonly number[] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/** Every load state a version can be in, reported even when no version is in it. */
const LOAD_STATES: readonly LoadState['kind'][] = ['loading', 'ready', 'failed'];

/** The part of the model manager the loaded-models gauge reads. */
export interface LoadStateSource {
  entries(): readonly { readonly state: { readonly kind: LoadState['kind'] } }[];
}

/**
 * Async jobs by state, e.g. `{queued: 3, running: 1, succeeded: 40, failed: 2}`. Called once per
 * scrape; it should answer from a cheap count query. A rejection leaves `ferry_jobs` empty for that
 * scrape (and is passed to `onCollectError`).
 */
export type JobCountsProvider = () => Promise<Readonly<Record<string, number>>>;

// --- profiles, validation and drift (src/monitoring/{validation,drift}) ---
/** One version's drift for the drift gauges (monitoring's DriftGauges produce it). */
export interface DriftSample {
  readonly model: string;
  readonly version: number;
  readonly features: readonly {
    readonly feature: string;
    readonly method: string;
    readonly score: number | null;
    readonly drifted: boolean | null;
  }[];
  /** Share of drifted input features; null when no feature could be judged. */
  readonly share: number | null;
}

/** The drift the gauges show, read at each scrape (it must answer from memory). */
export type DriftSamplesProvider = () => readonly DriftSample[];
// --- end profiles, validation and drift ---

export interface PrometheusMetricsOptions {
  /** Source of `ferry_models_loaded` (the model manager). Without it the gauge reports zeros. */
  readonly models?: LoadStateSource;
  /** Source of `ferry_jobs`. Without it the gauge has no samples. */
  readonly jobCounts?: JobCountsProvider;
  /** Which models enable the response cache; cache misses are only counted for those. Default: none. */
  readonly cacheEnabled?: CacheEnabled;
  /** Told when a scrape-time source fails (the scrape itself still answers). */
  readonly onCollectError?: (error: unknown, metric: string) => void;
  /** Collect process and Node.js metrics (`ferry_process_*`, `ferry_nodejs_*`). Default true. */
  readonly processMetrics?: boolean;
  /** Source of the drift gauges (monitoring's DriftGauges). Without it they have no samples. */
  readonly driftSamples?: DriftSamplesProvider; // drift (src/monitoring/drift)
}

/**
 * Ferry's Prometheus metrics, in a registry of its own (never prom-client's global one, so several
 * servers can live in one process). Fed as an {@link InferenceObserver} on the hot path: every method
 * only updates in-memory series and never throws. Names, labels and buckets are documented in
 * `docs/reference/metrics.md`.
 */
export class PrometheusMetrics implements InferenceObserver {
  /** The prom-client registry holding every Ferry metric. */
  readonly registry = new Registry();
  private readonly cacheEnabled: CacheEnabled;
  private readonly requests: Counter<'model' | 'version' | 'outcome' | 'code'>;
  private readonly queueDuration: Histogram<'model' | 'version'>;
  private readonly computeDuration: Histogram<'model' | 'version'>;
  private readonly requestDuration: Histogram<'model' | 'version' | 'outcome'>;
  private readonly batchSize: Histogram<'model' | 'version'>;
  private readonly queueDepthGauge: Gauge<'model' | 'version'>;
  private readonly cacheLookups: Counter<'model' | 'version' | 'result'>;
  // --- monitoring (src/monitoring): the prediction log ---
  private readonly predictionsLoggedTotal: Counter<'model'>;
  private readonly predictionsDroppedTotal: Counter<'model'>;
  // --- end monitoring ---
  // --- validation (src/monitoring/validation) ---
  private readonly validationFlagsTotal: Counter<'model' | 'version' | 'feature' | 'reason'>;
  // --- end validation ---

  constructor(options: PrometheusMetricsOptions = {}) {
    const registers = [this.registry];
    this.cacheEnabled = memoizeCacheEnabled(options.cacheEnabled ?? (() => false));
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'ferry_' });

    this.requests = new Counter({
      name: 'ferry_inference_requests_total',
      help: 'Inference requests finished, by outcome; failures carry the error code.',
      labelNames: ['model', 'version', 'outcome', 'code'],
      registers,
    });
    this.queueDuration = new Histogram({
      name: 'ferry_inference_queue_duration_seconds',
      help: 'Time a request waited in its version queue before its batch ran.',
      labelNames: ['model', 'version'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.computeDuration = new Histogram({
      name: 'ferry_inference_compute_duration_seconds',
      help: 'Time of the model run a request was part of.',
      labelNames: ['model', 'version'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.requestDuration = new Histogram({
      name: 'ferry_inference_request_duration_seconds',
      help: 'Time from a request reaching the serving layer to its answer, by outcome.',
      labelNames: ['model', 'version', 'outcome'],
      buckets: [...LATENCY_BUCKETS_SECONDS],
      registers,
    });
    this.batchSize = new Histogram({
      name: 'ferry_inference_batch_size',
      help: 'Rows in each model run.',
      labelNames: ['model', 'version'],
      buckets: [...BATCH_SIZE_BUCKETS],
      registers,
    });
    this.queueDepthGauge = new Gauge({
      name: 'ferry_inference_queue_depth',
      help: 'Requests waiting in a version queue.',
      labelNames: ['model', 'version'],
      registers,
    });
    this.cacheLookups = new Counter({
      name: 'ferry_response_cache_lookups_total',
      help: 'Response cache lookups of models that enable the cache, by result (hit or miss).',
      labelNames: ['model', 'version', 'result'],
      registers,
    });

    // --- monitoring (src/monitoring): the prediction log ---
    this.predictionsLoggedTotal = new Counter({
      name: 'ferry_predictions_logged_total',
      help: 'Predictions (rows) written to the prediction log.',
      labelNames: ['model'],
      registers,
    });
    this.predictionsDroppedTotal = new Counter({
      name: 'ferry_predictions_dropped_total',
      help: 'Sampled predictions (rows) not logged: the buffer was full or the write failed.',
      labelNames: ['model'],
      registers,
    });
    // --- end monitoring ---

    // --- profiles, validation and drift (src/monitoring/{validation,drift}) ---
    this.validationFlagsTotal = new Counter({
      name: 'ferry_validation_flags_total',
      help: 'Logged predictions whose inputs validation flagged against the reference profile, by feature and reason.',
      labelNames: ['model', 'version', 'feature', 'reason'],
      registers,
    });
    const driftSamples = options.driftSamples;
    const readDrift = (metric: string): readonly DriftSample[] => {
      try {
        return driftSamples?.() ?? [];
      } catch (error) {
        options.onCollectError?.(error, metric);
        return [];
      }
    };
    new Gauge({
      name: 'ferry_drift_score',
      help: "Drift score of each feature and output in the current monitoring window: the method's p-value (ks, chi-square, z-test) or distance (wasserstein, jensen-shannon).",
      labelNames: ['model', 'version', 'feature', 'method'],
      registers,
      collect() {
        this.reset();
        for (const sample of readDrift('ferry_drift_score')) {
          for (const feature of sample.features) {
            if (feature.score === null) continue;
            this.set(
              {
                model: sample.model,
                version: String(sample.version),
                feature: feature.feature,
                method: feature.method,
              },
              feature.score,
            );
          }
        }
      },
    });
    new Gauge({
      name: 'ferry_feature_drifted',
      help: 'Whether each feature and output drifts in the current monitoring window (1) or not (0); absent without a verdict.',
      labelNames: ['model', 'version', 'feature'],
      registers,
      collect() {
        this.reset();
        for (const sample of readDrift('ferry_feature_drifted')) {
          for (const feature of sample.features) {
            if (feature.drifted === null) continue;
            this.set(
              { model: sample.model, version: String(sample.version), feature: feature.feature },
              feature.drifted ? 1 : 0,
            );
          }
        }
      },
    });
    new Gauge({
      name: 'ferry_dataset_drift_share',
      help: 'Share of input features that drift in the current monitoring window; absent without a verdict.',
      labelNames: ['model', 'version'],
      registers,
      collect() {
        this.reset();
        for (const sample of readDrift('ferry_dataset_drift_share')) {
          if (sample.share !== null)
            this.set({ model: sample.model, version: String(sample.version) }, sample.share);
        }
      },
    });
    // --- end profiles, validation and drift ---

    const models = options.models;
    new Gauge({
      name: 'ferry_models_loaded',
      help: 'Model versions known to the model manager, by load state (loading, ready, failed).',
      labelNames: ['state'],
      registers,
      collect() {
        const counts = new Map(LOAD_STATES.map((state) => [state, 0]));
        for (const entry of models?.entries() ?? []) {
          counts.set(entry.state.kind, (counts.get(entry.state.kind) ?? 0) + 1);
        }
        for (const [state, count] of counts) this.set({ state }, count);
      },
    });

    const jobCounts = options.jobCounts;
    const onCollectError = options.onCollectError;
    new Gauge({
      name: 'ferry_jobs',
      help: 'Async inference jobs, by state.',
      labelNames: ['state'],
      registers,
      async collect() {
        this.reset();
        if (jobCounts === undefined) return;
        try {
          for (const [state, count] of Object.entries(await jobCounts())) this.set({ state }, count);
        } catch (error) {
          this.reset();
          onCollectError?.(error, 'ferry_jobs');
        }
      },
    });
  }

  /** The Content-Type of {@link metrics}: Prometheus text format 0.0.4. */
  get contentType(): string {
    return this.registry.contentType;
  }

  /** Every metric in Prometheus text format. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  requestFinished(event: RequestFinished): void {
    const series = { model: event.model, version: String(event.version) };
    if (event.outcome === 'success') {
      this.requests.inc({ ...series, outcome: 'success' });
    } else {
      this.requests.inc({ ...series, outcome: 'failure', code: event.code ?? 'INTERNAL' });
    }
    this.requestDuration.observe({ ...series, outcome: event.outcome }, cleanSeconds(event.totalSeconds));
    if (waitedInQueue(event)) this.queueDuration.observe(series, cleanSeconds(event.queueSeconds));
    if (ranModel(event)) this.computeDuration.observe(series, cleanSeconds(event.computeSeconds));
    const lookup = cacheLookup(event, this.cacheEnabled);
    if (lookup !== undefined) this.cacheLookups.inc({ ...series, result: lookup });
  }

  batchExecuted(event: BatchExecuted): void {
    const rows = Number.isFinite(event.rows) && event.rows > 0 ? event.rows : 0;
    this.batchSize.observe({ model: event.model, version: String(event.version) }, rows);
  }

  // --- monitoring (src/monitoring): fed by the prediction log after each flush, off the hot path ---
  /** Count predictions written to the prediction log. */
  predictionsLogged(model: string, count: number): void {
    if (count > 0) this.predictionsLoggedTotal.inc({ model }, count);
  }

  /** Count sampled predictions the prediction log dropped. */
  predictionsDropped(model: string, count: number): void {
    if (count > 0) this.predictionsDroppedTotal.inc({ model }, count);
  }
  // --- end monitoring ---

  // --- validation (src/monitoring/validation): fed by the prediction log after each flush ---
  /** Count logged predictions validation flagged, for one feature and reason. */
  validationFlagged(model: string, version: number, feature: string, reason: string, count: number): void {
    if (count > 0) this.validationFlagsTotal.inc({ model, version: String(version), feature, reason }, count);
  }
  // --- end validation ---

  queueDepth(model: string, version: number, depth: number): void {
    this.queueDepthGauge.set({ model, version: String(version) }, Number.isFinite(depth) ? depth : 0);
  }
}
