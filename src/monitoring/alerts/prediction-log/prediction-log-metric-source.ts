import { sql, type ExpressionBuilder } from 'kysely';
import type { FerryDatabase, Tables } from '../../../store/index.js';
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
 * One count per request: a request of several rows is logged as `<id>#0`, `<id>#1`, …, so only
 * its first row is counted (request ids never hold `#` otherwise).
 */
const firstRowOfRequest = (eb: ExpressionBuilder<Tables, 'predictions'>) =>
  eb.or([eb('request_id', 'not like', '%#%'), eb('request_id', 'like', '%#0')]);

/**
 * Latency, error rate and validation flag rate of a model's windows, computed in the database
 * from the prediction log (the `predictions` table of src/monitoring/log), one count per request:
 * - `errors.rate`: requests that failed (status `error`) / requests;
 * - `latency.p99_seconds`: the 99th percentile (nearest rank) of successful requests' latency;
 * - `validation.flag_rate`: requests whose inputs validation flagged / requests.
 * The log is sampled (`monitoring.sampleRate`), so these are estimates from the sample. A window
 * with fewer than `minRequests` requests (successful ones, for latency) gives no verdict.
 */
export class PredictionLogMetricSource implements MetricSource {
  constructor(
    private readonly database: FerryDatabase,
    private readonly settings: PredictionLogMetricSettings,
  ) {}

  async read(model: string, metric: MetricName, window: MetricWindow): Promise<MetricReading | undefined> {
    if (!isPredictionLogMetric(metric)) return undefined;
    const counts = await this.counts(model, window);
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
        const p99 = await this.latencyAtRank(model, window, Math.ceil(0.99 * succeeded));
        if (p99 === undefined) return undefined;
        return { value: p99 / 1000, rows: succeeded, ...base, details: { requests: succeeded } };
      }
    }
  }

  private async counts(
    model: string,
    window: MetricWindow,
  ): Promise<{ requests: number; errors: number; flagged: number; versions: number[] }> {
    const rows = await this.database.db
      .selectFrom('predictions')
      .select((eb) => [
        'version',
        eb.fn.countAll<number | string>().as('requests'),
        eb.fn
          .sum<number | string | null>(sql<number>`case when ${eb.ref('status')} = 'error' then 1 else 0 end`)
          .as('errors'),
        eb.fn
          .sum<number | string | null>(
            sql<number>`case when ${eb.ref('flags_json')} is null then 0 else 1 end`,
          )
          .as('flagged'),
      ])
      .where('model', '=', model)
      .where('at', '>=', window.start.toISOString())
      .where('at', '<', window.end.toISOString())
      .where(firstRowOfRequest)
      .groupBy('version')
      .orderBy('version')
      .execute();
    return {
      requests: rows.reduce((sum, row) => sum + Number(row.requests), 0),
      errors: rows.reduce((sum, row) => sum + Number(row.errors ?? 0), 0),
      flagged: rows.reduce((sum, row) => sum + Number(row.flagged ?? 0), 0),
      versions: rows.map((row) => Number(row.version)),
    };
  }

  /** The latency (ms) of the `rank`-th fastest successful request of the window (1-based). */
  private async latencyAtRank(
    model: string,
    window: MetricWindow,
    rank: number,
  ): Promise<number | undefined> {
    const row = await this.database.db
      .selectFrom('predictions')
      .select('latency_ms')
      .where('model', '=', model)
      .where('at', '>=', window.start.toISOString())
      .where('at', '<', window.end.toISOString())
      .where('status', '=', 'ok')
      .where(firstRowOfRequest)
      .orderBy('latency_ms')
      .limit(1)
      .offset(Math.max(0, rank - 1))
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.latency_ms);
  }
}
