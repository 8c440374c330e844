import { FerryError } from '../../core/index.js';
import { CategoricalProfile } from './categorical-profile.js';
import {
  alignCategoryCounts,
  chiSquareTest,
  jensenShannonDistance,
  ksTest,
  proportionZTest,
  psi,
  toProportions,
  wassersteinNormed,
} from './drift-measures.js';
import { DISCRETE_VALUE_LIMIT, NumericProfile } from './numeric-profile.js';

/** The drift method that gave a feature's verdict. */
export type DriftMethod = 'ks' | 'wasserstein' | 'chi-square' | 'z-test' | 'jensen-shannon';

/** Drift settings; the keys and defaults of `monitoring.*` in the configuration. */
export interface DriftSettings {
  /** Non-missing rows a window needs before any verdict. */
  readonly minWindowRows: number;
  /** Windows with at most this many rows use p-value tests; larger ones use distances. */
  readonly smallSampleRows: number;
  /** A test drifts when its p-value is below this. */
  readonly pValueThreshold: number;
  /** A distance drifts when it is at least this. */
  readonly distanceThreshold: number;
  /** The dataset drifts when at least this share of its evaluated features drift. */
  readonly datasetDriftShare: number;
}

/** The configuration's defaults: 30 rows, 1000 rows, p < 0.05, distance ≥ 0.1, share ≥ 0.5. */
export const DEFAULT_DRIFT_SETTINGS: DriftSettings = {
  minWindowRows: 30,
  smallSampleRows: 1000,
  pValueThreshold: 0.05,
  distanceThreshold: 0.1,
  datasetDriftShare: 0.5,
};

/** Drift of one feature or output, window vs reference. */
export interface FeatureDrift {
  readonly method: DriftMethod;
  /** The p-value (tests) or distance (Wasserstein, Jensen–Shannon) the verdict compares; null without data. */
  readonly score: number | null;
  /** The threshold the score is compared with. */
  readonly threshold: number;
  /** Drifted or not; null when the window has fewer than `minWindowRows` values or the reference none. */
  readonly drifted: boolean | null;
  /** The test statistic (KS D, χ², z) when the method is a test. */
  readonly statistic?: number;
  /** The p-value when the method is a test. */
  readonly pValue?: number;
  /** PSI over the reference bins (numeric) or categories, always reported; null without data. */
  readonly psi: number | null;
  /** Jensen–Shannon distance (base 2) over the same bins, always reported; null without data. */
  readonly jensenShannon: number | null;
  /** Wasserstein distance normed by the reference std (numeric features only). */
  readonly wasserstein?: number | null;
  /** Non-missing values in the reference. */
  readonly referenceRows: number;
  /** Non-missing values in the window. */
  readonly currentRows: number;
}

/**
 * Drift of one feature, choosing the method as Evidently's default algorithm does
 * (docs "Data drift algorithm"; `_get_default_stattest`), with the sample-size switch applied to
 * the window (Evidently looks at the reference size):
 *
 * - numeric with more than 5 distinct values (reference ∪ window): two-sample KS test when the
 *   window has ≤ `smallSampleRows` values, drift when p < `pValueThreshold`; otherwise the
 *   Wasserstein distance normed by the reference std, drift when ≥ `distanceThreshold`;
 * - categorical, or numeric with at most 5 distinct values (counted as categories): on small
 *   windows the chi-square test when there are more than 2 categories, else the two-proportion
 *   Z-test (p < `pValueThreshold`); on large windows the Jensen–Shannon distance (≥ threshold).
 *
 * PSI and Jensen–Shannon are always reported as extra scores, over the reference's histogram bins
 * (numeric) or the union of categories. No verdict (null) below `minWindowRows` window values.
 */
export function featureDrift(
  kind: 'numeric',
  reference: NumericProfile,
  current: NumericProfile,
  settings: DriftSettings,
): FeatureDrift;
export function featureDrift(
  kind: 'categorical',
  reference: CategoricalProfile,
  current: CategoricalProfile,
  settings: DriftSettings,
): FeatureDrift;
export function featureDrift(
  kind: 'numeric' | 'categorical',
  reference: NumericProfile | CategoricalProfile,
  current: NumericProfile | CategoricalProfile,
  settings: DriftSettings,
): FeatureDrift {
  if (
    kind === 'categorical' &&
    reference instanceof CategoricalProfile &&
    current instanceof CategoricalProfile
  ) {
    return countsDrift(reference.categoryCounts(), current.categoryCounts(), settings);
  }
  if (kind === 'numeric' && reference instanceof NumericProfile && current instanceof NumericProfile) {
    return numericDrift(reference, current, settings);
  }
  throw new FerryError('INVALID_ARGUMENT', `a ${kind} feature's drift needs two ${kind} profiles`);
}

function numericDrift(
  reference: NumericProfile,
  current: NumericProfile,
  settings: DriftSettings,
): FeatureDrift {
  const wasserstein = wassersteinNormed(reference, current);
  const discrete = discreteCounts(reference, current);
  if (discrete !== null)
    return { ...countsDrift(discrete.reference, discrete.current, settings), wasserstein };
  const hasData = reference.count > 0 && current.count > 0;
  const expected = toProportions(reference.histogram);
  const actual = toProportions(current.histogram);
  const extras = {
    psi: hasData ? psi(expected, actual) : null,
    jensenShannon: hasData ? jensenShannonDistance(expected, actual) : null,
    wasserstein,
    referenceRows: reference.count,
    currentRows: current.count,
  };
  const canJudge = reference.count > 0 && current.count >= settings.minWindowRows;
  if (current.count <= settings.smallSampleRows) {
    const ks = ksTest(reference, current);
    return {
      method: 'ks',
      score: ks?.pValue ?? null,
      threshold: settings.pValueThreshold,
      drifted: canJudge && ks !== null ? ks.pValue < settings.pValueThreshold : null,
      ...(ks === null ? {} : { statistic: ks.statistic, pValue: ks.pValue }),
      ...extras,
    };
  }
  return {
    method: 'wasserstein',
    score: wasserstein,
    threshold: settings.distanceThreshold,
    drifted: canJudge && wasserstein !== null ? wasserstein >= settings.distanceThreshold : null,
    ...extras,
  };
}

function countsDrift(
  reference: ReadonlyMap<string, number>,
  current: ReadonlyMap<string, number>,
  settings: DriftSettings,
): FeatureDrift {
  const aligned = alignCategoryCounts(reference, current);
  const referenceRows = aligned.reference.reduce((sum, x) => sum + x, 0);
  const currentRows = aligned.current.reduce((sum, x) => sum + x, 0);
  const hasData = referenceRows > 0 && currentRows > 0;
  const expected = toProportions(aligned.reference);
  const actual = toProportions(aligned.current);
  const jensenShannon = hasData ? jensenShannonDistance(expected, actual) : null;
  const extras = {
    psi: hasData ? psi(expected, actual) : null,
    jensenShannon,
    referenceRows,
    currentRows,
  };
  const canJudge = referenceRows > 0 && currentRows >= settings.minWindowRows;
  if (currentRows <= settings.smallSampleRows) {
    const method = aligned.categories.length > 2 ? 'chi-square' : 'z-test';
    const test =
      method === 'chi-square' ? chiSquareTest(reference, current) : proportionZTest(reference, current);
    return {
      method,
      score: hasData ? test.pValue : null,
      threshold: settings.pValueThreshold,
      drifted: canJudge ? test.pValue < settings.pValueThreshold : null,
      ...(hasData ? { statistic: test.statistic, pValue: test.pValue } : {}),
      ...extras,
    };
  }
  return {
    method: 'jensen-shannon',
    score: jensenShannon,
    threshold: settings.distanceThreshold,
    drifted: canJudge && jensenShannon !== null ? jensenShannon >= settings.distanceThreshold : null,
    ...extras,
  };
}

/** Counts per value when reference ∪ window hold at most {@link DISCRETE_VALUE_LIMIT} distinct values. */
function discreteCounts(
  reference: NumericProfile,
  current: NumericProfile,
): { reference: Map<string, number>; current: Map<string, number> } | null {
  const ref = reference.distinctValues;
  const cur = current.distinctValues;
  if (ref === null || cur === null || reference.count === 0 || current.count === 0) return null;
  const toMap = (entries: readonly (readonly [number, number])[]) =>
    new Map(entries.map(([value, count]) => [String(value), count]));
  const result = { reference: toMap(ref), current: toMap(cur) };
  const union = new Set([...result.reference.keys(), ...result.current.keys()]);
  return union.size <= DISCRETE_VALUE_LIMIT ? result : null;
}

/** Dataset-level drift over the features that got a verdict. */
export interface DatasetDrift {
  /** Names of the drifted features. */
  readonly driftedFeatures: string[];
  /** Features with a verdict (drifted true or false). */
  readonly evaluatedFeatures: number;
  /** driftedFeatures / evaluatedFeatures (0 when none was evaluated). */
  readonly share: number;
  /** The share at or above which the dataset drifts. */
  readonly threshold: number;
  /** share ≥ threshold; null when no feature got a verdict. */
  readonly drifted: boolean | null;
}

/**
 * Dataset drift as Evidently's DatasetDriftMetric: the dataset drifts when the share of drifted
 * features is at least `share` (default 0.5). Features without a verdict (window too small) are
 * left out of the share.
 */
export function datasetDrift(
  featureResults: Readonly<Record<string, FeatureDrift>>,
  share: number = DEFAULT_DRIFT_SETTINGS.datasetDriftShare,
): DatasetDrift {
  const judged = Object.entries(featureResults).filter(([, result]) => result.drifted !== null);
  const driftedFeatures = judged.filter(([, result]) => result.drifted === true).map(([name]) => name);
  const driftShare = judged.length === 0 ? 0 : driftedFeatures.length / judged.length;
  return {
    driftedFeatures,
    evaluatedFeatures: judged.length,
    share: driftShare,
    threshold: share,
    drifted: judged.length === 0 ? null : driftShare >= share,
  };
}
