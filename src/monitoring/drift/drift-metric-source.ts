import type {
  MetricName,
  MetricReading,
  MetricSelector,
  MetricSource,
  MetricWindow,
} from '../alerts/metric-source.js';
import type { ReferenceLookup } from '../profiles/live-profiler.js';
import { driftDistance } from './drift-report.js';
import type { DriftService } from './drift-service.js';

/** The alert metrics drift answers. */
export const DRIFT_METRICS = ['drift.share', 'drift.feature'] as const satisfies readonly MetricName[];

/**
 * Drift readings for alert rules, from the live profiles of the window (merged across replicas)
 * against the reference:
 *
 * - `drift.share`: the share of input features that drift (0–1), as the drift report's dataset
 *   block; details name the drifted features;
 * - `drift.feature`: one feature's (or output's) drift as a distance that grows with drift whatever
 *   the window size: the normed Wasserstein distance for numbers, Jensen–Shannon for categories
 *   (see driftDistance); details carry the report's method, score and verdict.
 *
 * The version read is the one with the most predictions in the window that has a reference
 * profile. No verdict (undefined) without a reference, below `monitoring.minWindowRows`, or for a
 * feature the report does not judge.
 */
export class DriftMetricSource implements MetricSource {
  constructor(
    private readonly drift: DriftService,
    private readonly references: ReferenceLookup,
  ) {}

  async read(
    model: string,
    metric: MetricName,
    window: MetricWindow,
    selector?: MetricSelector,
  ): Promise<MetricReading | undefined> {
    if (metric !== 'drift.share' && metric !== 'drift.feature') return undefined;
    let version: number | undefined;
    for (const candidate of await this.drift.activeVersions(window, model)) {
      if ((await this.references.get(model, candidate.version)) !== null) {
        version = candidate.version;
        break;
      }
    }
    if (version === undefined) return undefined;
    const report = await this.drift.reportFor(model, version, window);
    if (report.dataset === null || (report.verdict !== 'drift' && report.verdict !== 'no drift'))
      return undefined;
    if (metric === 'drift.share') {
      const { driftedFeatures, evaluatedFeatures, threshold, drifted } = report.dataset;
      return {
        value: report.dataset.share,
        rows: report.rows,
        version,
        details: { driftedFeatures, evaluatedFeatures, threshold, drifted },
      };
    }
    const name = selector?.feature;
    const feature = name === undefined ? undefined : report.features[name];
    if (feature === undefined || feature.drifted === null) return undefined;
    const value = driftDistance(feature);
    if (value === null) return undefined;
    return {
      value,
      rows: report.rows,
      version,
      details: {
        feature: name,
        method: feature.method,
        score: feature.score,
        threshold: feature.threshold,
        drifted: feature.drifted,
        psi: feature.psi,
        jensenShannon: feature.jensenShannon,
        ...(feature.wasserstein === undefined ? {} : { wasserstein: feature.wasserstein }),
      },
    };
  }
}
