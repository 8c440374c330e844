import type { BatchExecuted, InferenceObserver, RequestFinished } from '../serving/index.js';
import {
  cacheLookup,
  memoizeCacheEnabled,
  ranModel,
  toNanoseconds,
  type CacheEnabled,
} from './request-phases.js';

/** A count and a cumulative duration in nanoseconds (Triton's `$duration_stat`). */
export interface DurationStat {
  count: number;
  ns: number;
}

/** Triton's `$inference_stats`. */
export interface InferenceStats {
  /** Successful requests (cache hits included) and their end-to-end time. */
  readonly success: DurationStat;
  /** Failed requests and their end-to-end time. */
  readonly fail: DurationStat;
  /** Successful requests (cache hits included, at 0 ns) and their time queued. */
  readonly queue: DurationStat;
  /** Requests that ran, and the input assembly time of their runs. */
  readonly compute_input: DurationStat;
  /** Requests that ran, and the model time of their runs. */
  readonly compute_infer: DurationStat;
  /** Requests that ran, and the output split time of their runs. */
  readonly compute_output: DurationStat;
  /** Requests answered from the response cache, and their end-to-end time. */
  readonly cache_hit: DurationStat;
  /** Successful requests that missed the response cache (ns is 0: lookups are not timed apart). */
  readonly cache_miss: DurationStat;
}

/** Triton's `$batch_stat`: runs of one batch size; each count is a number of runs. */
export interface BatchStat {
  readonly batch_size: number;
  readonly compute_input: DurationStat;
  readonly compute_infer: DurationStat;
  readonly compute_output: DurationStat;
}

/** Triton's `$model_stat`: statistics of one model version since the server started. */
export interface ModelStat {
  readonly name: string;
  readonly version: string;
  /** When the last request finished, in milliseconds since the epoch (0 when none has). */
  readonly last_inference: number;
  /** Rows of successful requests that ran the model (cache hits excluded). */
  readonly inference_count: number;
  /** Model runs (a batch of several requests is one run). */
  readonly execution_count: number;
  readonly inference_stats: InferenceStats;
  /** One entry per batch size run, smallest first. */
  readonly batch_stats: BatchStat[];
}

/** Triton's `$stats_model_response`. */
export interface ModelStatsResponse {
  readonly model_stats: ModelStat[];
}

/** A model version. */
export interface VersionKey {
  readonly model: string;
  readonly version: number;
}

export interface InferenceStatisticsOptions {
  /** Which models enable the response cache; cache misses are only counted for those. Default: none. */
  readonly cacheEnabled?: CacheEnabled;
  /** Clock for `last_inference` (ms since the epoch). */
  readonly now?: () => number;
}

interface BatchAccumulator {
  runs: number;
  inputNs: number;
  inferNs: number;
  outputNs: number;
}

interface VersionAccumulator {
  readonly model: string;
  readonly version: number;
  lastInference: number;
  inferenceCount: number;
  executionCount: number;
  readonly stats: { [K in keyof InferenceStats]: DurationStat };
  readonly batches: Map<number, BatchAccumulator>;
}

const zero = (): DurationStat => ({ count: 0, ns: 0 });

const newAccumulator = (model: string, version: number): VersionAccumulator => ({
  model,
  version,
  lastInference: 0,
  inferenceCount: 0,
  executionCount: 0,
  stats: {
    success: zero(),
    fail: zero(),
    queue: zero(),
    compute_input: zero(),
    compute_infer: zero(),
    compute_output: zero(),
    cache_hit: zero(),
    cache_miss: zero(),
  },
  batches: new Map(),
});

const add = (stat: DurationStat, count: number, ns: number): void => {
  stat.count += count;
  stat.ns += ns;
};

const keyOf = (model: string, version: number): string => `${model}\u0000${version}`;

const copy = (stat: DurationStat): DurationStat => ({ count: stat.count, ns: stat.ns });

/**
 * Per model version counts and cumulative times in the shape of Triton's statistics extension
 * (`GET /v2/models/{m}/versions/{v}/stats`). Fed as an {@link InferenceObserver}: each event only
 * adds to a few numbers. Statistics live in memory, per replica, from server start.
 */
export class InferenceStatistics implements InferenceObserver {
  private readonly versions = new Map<string, VersionAccumulator>();
  private readonly cacheEnabled: CacheEnabled;
  private readonly now: () => number;

  constructor(options: InferenceStatisticsOptions = {}) {
    this.cacheEnabled = memoizeCacheEnabled(options.cacheEnabled ?? (() => false));
    this.now = options.now ?? Date.now;
  }

  requestFinished(event: RequestFinished): void {
    const stats = this.accumulator(event.model, event.version);
    stats.lastInference = this.now();
    const totalNs = toNanoseconds(event.totalSeconds);
    if (event.outcome === 'success') {
      add(stats.stats.success, 1, totalNs);
      add(stats.stats.queue, 1, toNanoseconds(event.queueSeconds));
    } else {
      add(stats.stats.fail, 1, totalNs);
    }
    if (event.outcome === 'success' && ranModel(event)) {
      stats.inferenceCount += Number.isSafeInteger(event.rows) && event.rows > 0 ? event.rows : 0;
    }
    const lookup = cacheLookup(event, this.cacheEnabled);
    if (lookup === 'hit') add(stats.stats.cache_hit, 1, totalNs);
    if (lookup === 'miss') add(stats.stats.cache_miss, 1, 0);
  }

  batchExecuted(event: BatchExecuted): void {
    const stats = this.accumulator(event.model, event.version);
    const requests = Number.isSafeInteger(event.requests) && event.requests > 0 ? event.requests : 0;
    const inputNs = toNanoseconds(event.inputSeconds);
    const inferNs = toNanoseconds(event.inferSeconds);
    const outputNs = toNanoseconds(event.outputSeconds);
    stats.executionCount += 1;
    // As Triton does, every request of a run is charged the run's durations.
    add(stats.stats.compute_input, requests, requests * inputNs);
    add(stats.stats.compute_infer, requests, requests * inferNs);
    add(stats.stats.compute_output, requests, requests * outputNs);
    const size = Number.isSafeInteger(event.rows) && event.rows > 0 ? event.rows : 0;
    let batch = stats.batches.get(size);
    if (batch === undefined) {
      batch = { runs: 0, inputNs: 0, inferNs: 0, outputNs: 0 };
      stats.batches.set(size, batch);
    }
    batch.runs += 1;
    batch.inputNs += inputNs;
    batch.inferNs += inferNs;
    batch.outputNs += outputNs;
  }

  queueDepth(): void {
    // Not part of Triton's statistics; Prometheus reports it.
  }

  /** The versions that have statistics (of one model, or of all), by model name then version. */
  versionsWithStats(model?: string): VersionKey[] {
    return [...this.versions.values()]
      .filter((stats) => model === undefined || stats.model === model)
      .map(({ model, version }) => ({ model, version }))
      .sort(compareVersionKeys);
  }

  /** The statistics of one version; zeros when it has none yet. */
  modelStat(model: string, version: number): ModelStat {
    const stats = this.versions.get(keyOf(model, version)) ?? newAccumulator(model, version);
    return {
      name: stats.model,
      version: String(stats.version),
      last_inference: stats.lastInference,
      inference_count: stats.inferenceCount,
      execution_count: stats.executionCount,
      inference_stats: {
        success: copy(stats.stats.success),
        fail: copy(stats.stats.fail),
        queue: copy(stats.stats.queue),
        compute_input: copy(stats.stats.compute_input),
        compute_infer: copy(stats.stats.compute_infer),
        compute_output: copy(stats.stats.compute_output),
        cache_hit: copy(stats.stats.cache_hit),
        cache_miss: copy(stats.stats.cache_miss),
      },
      batch_stats: [...stats.batches.entries()]
        .sort(([a], [b]) => a - b)
        .map(([size, batch]) => ({
          batch_size: size,
          compute_input: { count: batch.runs, ns: batch.inputNs },
          compute_infer: { count: batch.runs, ns: batch.inferNs },
          compute_output: { count: batch.runs, ns: batch.outputNs },
        })),
    };
  }

  /** The response for a list of versions, in the order given. */
  report(versions: readonly VersionKey[]): ModelStatsResponse {
    return { model_stats: versions.map(({ model, version }) => this.modelStat(model, version)) };
  }

  private accumulator(model: string, version: number): VersionAccumulator {
    const key = keyOf(model, version);
    let stats = this.versions.get(key);
    if (stats === undefined) {
      stats = newAccumulator(model, version);
      this.versions.set(key, stats);
    }
    return stats;
  }
}

/** Order by model name, then version number. */
export function compareVersionKeys(a: VersionKey, b: VersionKey): number {
  return a.model < b.model ? -1 : a.model > b.model ? 1 : a.version - b.version;
}
