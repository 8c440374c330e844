import type { FerryDatabase } from '../../../store/index.js';
import { PredictionStore } from '../../log/prediction-store.js';
import { Mark } from '../../log/segment-columns.js';
import { DDSketch } from '../../stats/dd-sketch.js';
import type { MetricName, MetricReading, MetricSource, MetricWindow } from '../metric-source.js';

/** The metrics the prediction log answers. */
export const PREDICTION_LOG_METRICS = [
  'latency.p99_seconds',
  'errors.rate',
  'validation.flag_rate',
] as const satisfies readonly MetricName[];

type PredictionLogMetric = (typeof PREDICTION_LOG_METRICS)[number];

const isPredictionLogMetric = (metric: MetricName): metric is PredictionLogMetric =>
  (PREDICTION_LOG_METRICS as readonly MetricName[]).includes(metric);

/** Settings of the prediction-log metrics. */
export interface PredictionLogMetricSettings {
  /** Requests a window needs before it gives a verdict (`monitoring.minWindowRows`). */
  readonly minRequests: number;
}

/**
 * Latency, error rate and validation flag rate of a model's windows, computed in the database
 * from the summaries of the prediction log's segments (src/monitoring/log), one count per request
 * (the later rows of a multi-row request are not counted):
 * - `errors.rate`: requests that failed (status `error`) / requests;
 * - `latency.p99_seconds`: the 99th percentile (nearest rank) of successful requests' latency;
 * - `validation.flag_rate`: requests whose inputs validation flagged / requests.
 * The log is sampled (`monitoring.sampleRate`), so these are estimates from the sample. A window
 * with fewer than `minRequests` requests (successful ones, for latency) gives no verdict. The
 * percentile is exact up to {@link EXACT_LATENCIES} requests in a window, and within 1% (a
 * DDSketch) beyond, so memory stays bounded.
 */
export class PredictionLogMetricSource implements MetricSource {
  private readonly store: PredictionStore;

  constructor(
    database: FerryDatabase,
    private readonly settings: PredictionLogMetricSettings,
  ) {
    this.store = new PredictionStore(database);
  }

  async read(model: string, metric: MetricName, window: MetricWindow): Promise<MetricReading | undefined> {
    if (!isPredictionLogMetric(metric)) return undefined;
    const counts = await this.counts(model, window, metric === 'latency.p99_seconds');
    const version = counts.versions.length === 1 ? counts.versions[0] : undefined;
    const base = { ...(version === undefined ? {} : { version }) };
    switch (metric) {
      case 'errors.rate':
        if (counts.requests < this.settings.minRequests) return undefined;
        return {
          value: counts.errors / counts.requests,
          rows: counts.requests,
          ...base,
          details: { requests: counts.requests, errors: counts.errors },
        };
      case 'validation.flag_rate':
        if (counts.requests < this.settings.minRequests) return undefined;
        return {
          value: counts.flagged / counts.requests,
          rows: counts.requests,
          ...base,
          details: { requests: counts.requests, flagged: counts.flagged },
        };
      case 'latency.p99_seconds': {
        const succeeded = counts.requests - counts.errors;
        if (succeeded < this.settings.minRequests) return undefined;
        const p99 = counts.latencies.atRank(Math.ceil(0.99 * succeeded));
        return { value: p99 / 1000, rows: succeeded, ...base, details: { requests: succeeded } };
      }
    }
  }

  private async counts(
    model: string,
    window: MetricWindow,
    withLatencies: boolean,
  ): Promise<{
    requests: number;
    errors: number;
    flagged: number;
    versions: number[];
    latencies: Latencies;
  }> {
    let requests = 0;
    let errors = 0;
    let flagged = 0;
    const versions = new Set<number>();
    const latencies = new Latencies();
    for await (const segment of this.store.windowSummaries({
      model,
      from: window.start.toISOString(),
      to: window.end.toISOString(),
    })) {
      const { marks, latencies: rowLatencies, rows } = segment.summary;
      const before = requests;
      for (let row = 0; row < rows; row += 1) {
        const mark = marks[row]!;
        if ((mark & Mark.LaterRow) !== 0 || !segment.inWindow(row)) continue;
        requests += 1;
        if ((mark & Mark.Error) !== 0) errors += 1;
        else if (withLatencies) latencies.add(rowLatencies[row]!);
        if ((mark & Mark.Flagged) !== 0) flagged += 1;
      }
      if (requests > before) versions.add(segment.version);
    }
    return { requests, errors, flagged, versions: [...versions].sort((a, b) => a - b), latencies };
  }
}

/** Requests whose latencies are kept exactly; beyond, a DDSketch (α = 1%) takes over. */
export const EXACT_LATENCIES = 1_000_000;

/** Latencies of a window: the value at a rank, exact while small, within 1% when large. */
class Latencies {
  private values: number[] | undefined = [];
  private sketch: DDSketch | undefined;
  private count = 0;

  add(ms: number): void {
    this.count += 1;
    if (this.values !== undefined && this.values.length < EXACT_LATENCIES) {
      this.values.push(ms);
      return;
    }
    if (this.sketch === undefined) {
      this.sketch = new DDSketch(0.01);
      for (const value of this.values ?? []) this.sketch.add(value);
      this.values = undefined;
    }
    this.sketch.add(ms);
  }

  /** The `rank`-th smallest (1-based; nearest rank). */
  atRank(rank: number): number {
    if (this.values !== undefined) {
      const sorted = Float64Array.from(this.values).sort();
      return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1] ?? 0;
    }
    return this.sketch!.quantile(Math.max(0, rank - 1) / Math.max(1, this.count - 1)) ?? 0;
  }
}
