import type { FeatureKind } from '../features/feature-spec.js';
import type { MergedLiveProfile, WindowRange } from '../profiles/live-windows.js';
import type { ReferenceRecord } from '../profiles/reference-store.js';
import type { FeatureSource } from '../profiles/version-profile.js';
import {
  datasetDrift,
  featureDrift,
  type DatasetDrift,
  type DriftSettings,
  type FeatureDrift,
} from '../stats/index.js';

/** The verdict of a drift report. */
export type DriftVerdict = 'drift' | 'no drift' | 'not enough data' | 'no reference profile';

/** Drift of one feature or output, with its kind and where it comes from. */
export interface FeatureDriftView extends FeatureDrift {
  readonly kind: FeatureKind;
  readonly source: FeatureSource;
}

/** The reference a report compares with. */
export interface DriftReferenceView {
  readonly rows: number;
  readonly source: string;
  readonly digest: string;
  readonly createdAt: string;
}

/** Drift of one version over a range of windows, window vs reference. */
export interface DriftReport {
  readonly model: string;
  readonly version: number;
  /** The windows compared: `start` included, `end` excluded, and how many windows that is. */
  readonly window: { readonly start: string; readonly end: string; readonly windows: number };
  /** Predictions profiled in the window (all replicas). */
  readonly rows: number;
  readonly reference: DriftReferenceView | null;
  /** Per input feature, then per output, by name. */
  readonly features: Readonly<Record<string, FeatureDriftView>>;
  /** Dataset drift over the input features (outputs are reported but not counted); null without a reference. */
  readonly dataset: DatasetDrift | null;
  readonly verdict: DriftVerdict;
  /** The settings used (`monitoring.*`). */
  readonly settings: DriftSettings;
  /** What the reader should know: features left out, live profiles recut onto the reference's bins. */
  readonly notes: readonly string[];
}

/** What a drift report is computed from. */
export interface DriftInput {
  readonly model: string;
  readonly version: number;
  readonly range: WindowRange;
  readonly windowMs: number;
  readonly reference: ReferenceRecord | null;
  readonly live: MergedLiveProfile;
  readonly settings: DriftSettings;
}

/**
 * Compare a window's live profile with the reference, feature by feature and output by output
 * (see featureDrift: the method follows Evidently's defaults, switching from p-value tests to
 * distances above `smallSampleRows`), then decide dataset drift over the input features: drift
 * when at least `datasetDriftShare` of the evaluated ones drift. The verdict is `not enough data`
 * while the window holds fewer than `minWindowRows` predictions (or no feature could be judged),
 * and `no reference profile` when the version has none.
 */
export function computeDriftReport(input: DriftInput): DriftReport {
  const { reference, live, settings } = input;
  const windows = Math.round((input.range.end.getTime() - input.range.start.getTime()) / input.windowMs);
  const base = {
    model: input.model,
    version: input.version,
    window: { start: input.range.start.toISOString(), end: input.range.end.toISOString(), windows },
    rows: live.rows,
    settings,
  };
  if (reference === null) {
    return {
      ...base,
      reference: null,
      features: {},
      dataset: null,
      verdict: 'no reference profile',
      notes: [
        `model '${input.model}' version ${input.version} has no reference profile, so there is nothing to compare with; attach one with PUT …/versions/${input.version}/reference or \`ferry monitor reference\``,
      ],
    };
  }
  const notes: string[] = [];
  const features: Record<string, FeatureDriftView> = {};
  const notLive: string[] = [];
  for (const [name, entry] of reference.profile.features) {
    const current = live.profile?.feature(name);
    if (live.profile !== undefined && current === undefined) {
      notLive.push(name);
      continue;
    }
    if (current !== undefined && current.kind !== entry.kind) {
      notes.push(
        `feature '${name}' is ${current.kind} live but ${entry.kind} in the reference; not compared`,
      );
      continue;
    }
    const drift =
      entry.kind === 'numeric'
        ? featureDrift(
            'numeric',
            entry.profile,
            current?.kind === 'numeric' ? current.profile : entry.profile.emptyLike(),
            settings,
          )
        : featureDrift(
            'categorical',
            entry.profile,
            current?.kind === 'categorical' ? current.profile : entry.profile.emptyLike(),
            settings,
          );
    features[name] = { kind: entry.kind, source: entry.source, ...drift };
  }
  if (notLive.length > 0) {
    notes.push(
      `not in the live profiles (dropped or hashed by monitoring.redact), so not compared: ${notLive.join(', ')}`,
    );
  }
  if (live.rebinned) {
    notes.push(
      "some live profiles were written on other histogram bins (before this reference was attached) and were recut from their sketches: PSI and Jensen–Shannon of numeric features are exact within the sketch's 1% relative accuracy",
    );
  }
  const inputs = Object.fromEntries(Object.entries(features).filter(([, drift]) => drift.source === 'input'));
  const dataset = datasetDrift(inputs, settings.datasetDriftShare);
  const enough = live.rows >= settings.minWindowRows && dataset.drifted !== null;
  if (live.rows < settings.minWindowRows) {
    notes.push(
      `the window holds ${live.rows} predictions; drift is judged from ${settings.minWindowRows} (monitoring.minWindowRows)`,
    );
  }
  return {
    ...base,
    reference: {
      rows: reference.rows,
      source: reference.source,
      digest: reference.digest,
      createdAt: reference.createdAt,
    },
    features,
    dataset,
    verdict: !enough ? 'not enough data' : dataset.drifted === true ? 'drift' : 'no drift',
    notes,
  };
}

/**
 * A feature's drift as one number that grows with drift whatever the window size (what the
 * `drift.feature` alert metric and nothing else reads): the normed Wasserstein distance for a
 * numeric feature judged as numbers (KS or Wasserstein), else the Jensen–Shannon distance (categories,
 * and numbers with at most 5 distinct values). Null without data.
 */
export function driftDistance(drift: FeatureDrift): number | null {
  if (drift.method === 'ks' || drift.method === 'wasserstein') return drift.wasserstein ?? null;
  return drift.jensenShannon;
}
