import type { Logger } from '../../core/index.js';
import type { DriftSample } from '../../telemetry/index.js';
import type { DriftReport } from './drift-report.js';
import type { DriftService } from './drift-service.js';

/** One version's drift as the Prometheus gauges show it (the shape telemetry's gauges read). */
export type DriftGaugeSample = DriftSample;

/** How often the gauges are recomputed for every version with predictions in the current window. */
export const DRIFT_GAUGE_REFRESH_MS = 60_000;

/**
 * The drift of the current window for the Prometheus gauges (`ferry_drift_score`,
 * `ferry_feature_drifted`, `ferry_dataset_drift_share`). A scrape never computes anything: it reads
 * the last report of each version's current window, recorded whenever a report of exactly that
 * window is computed (API, CLI) and refreshed every {@link DRIFT_GAUGE_REFRESH_MS} for the versions
 * with predictions in it. Versions without predictions in the current window have no samples.
 */
export class DriftGauges {
  private readonly latest = new Map<string, DriftReport>();
  private timer: NodeJS.Timeout | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly options: {
      readonly clock?: (() => number) | undefined;
      readonly windowMs: number;
      readonly refreshMs?: number | undefined;
      readonly logger?: Logger | undefined;
    },
  ) {}

  private get now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Keep a report when it covers exactly the current window. */
  record(report: DriftReport): void {
    const end = Date.parse(report.window.end);
    const now = this.now;
    if (report.window.windows !== 1 || !(end > now && end - this.options.windowMs <= now)) return;
    this.latest.set(`${report.model}\u0000${report.version}`, report);
  }

  /** The samples of the current window's reports (older ones are dropped). */
  samples(): DriftGaugeSample[] {
    const now = this.now;
    const samples: DriftGaugeSample[] = [];
    for (const [key, report] of this.latest) {
      if (Date.parse(report.window.end) <= now) {
        this.latest.delete(key);
        continue;
      }
      if (report.reference === null) continue;
      samples.push({
        model: report.model,
        version: report.version,
        features: Object.entries(report.features).map(([feature, drift]) => ({
          feature,
          method: drift.method,
          score: drift.score,
          drifted: drift.drifted,
        })),
        share: report.dataset === null || report.dataset.drifted === null ? null : report.dataset.share,
      });
    }
    return samples;
  }

  /** Recompute the current window of every version with predictions in it. Never rejects. */
  refresh(drift: DriftService): Promise<void> {
    this.refreshing ??= (async () => {
      const window = drift.currentWindow();
      for (const { model, version } of await drift.activeVersions(window)) {
        await drift.reportFor(model, version, window); // recorded through DriftService's onReport
      }
    })()
      .catch((error: unknown) => this.options.logger?.warn({ err: error }, 'drift gauges not refreshed'))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  /** Refresh every {@link DRIFT_GAUGE_REFRESH_MS} (unref'd timer). */
  start(drift: DriftService): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(
      () => void this.refresh(drift),
      this.options.refreshMs ?? DRIFT_GAUGE_REFRESH_MS,
    );
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.refreshing;
  }
}
