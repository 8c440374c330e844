import { FerryError } from '../../core/index.js';
import { ksStatistic, wasserstein1 } from './empirical-distribution.js';
import type { NumericProfile } from './numeric-profile.js';
import { chiSquareSurvival, ksTwoSamplePValue, normalTwoSidedPValue } from './p-values.js';

/** Share given to an empty bin by PSI (Evidently's `get_binned_data`): 1e-4. */
export const PSI_EMPTY_BIN_SHARE = 1e-4;

/** Smallest reference std the normed Wasserstein distance divides by (Evidently): 0.001. */
export const WASSERSTEIN_MIN_NORM = 0.001;

/**
 * Pseudo-count given in the reference to a category seen only in the current window (0.5), so
 * the chi-square test stays finite. See {@link chiSquareTest}.
 */
export const UNSEEN_CATEGORY_PSEUDO_COUNT = 0.5;

/**
 * Replace empty shares as Evidently does before PSI: by 1e-4, or by (smallest non-zero share)/10⁶
 * when that smallest share is itself ≤ 1e-4 (so the filler stays below every real share).
 */
export function fillEmptyBins(proportions: readonly number[]): number[] {
  const nonZero = proportions.filter((share) => share > 0);
  if (nonZero.length === 0) return proportions.map(() => PSI_EMPTY_BIN_SHARE);
  const smallest = Math.min(...nonZero);
  const filler = smallest <= PSI_EMPTY_BIN_SHARE ? smallest / 1e6 : PSI_EMPTY_BIN_SHARE;
  return proportions.map((share) => (share > 0 ? share : filler));
}

/**
 * Population Stability Index over the same bins:
 *
 *   PSI = Σᵢ (aᵢ − eᵢ) · ln(aᵢ / eᵢ)
 *
 * with e the expected (reference) and a the actual (current) shares, empty bins filled by
 * {@link fillEmptyBins}. 0 for equal distributions; the usual reading is < 0.1 stable, 0.1–0.25
 * moderate shift, > 0.25 major shift.
 */
export function psi(expectedProportions: readonly number[], actualProportions: readonly number[]): number {
  assertSameLength(expectedProportions, actualProportions, 'psi');
  const expected = fillEmptyBins(expectedProportions);
  const actual = fillEmptyBins(actualProportions);
  let total = 0;
  expected.forEach((e, i) => {
    const a = actual[i] ?? e;
    total += (a - e) * Math.log(a / e);
  });
  return total;
}

/**
 * Jensen–Shannon distance, the square root of the Jensen–Shannon divergence (as scipy's
 * `distance.jensenshannon`, which Evidently calls):
 *
 *   JSD(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m),  m = (p + q)/2,  distance = √JSD
 *
 * p and q are normalized to sum 1 first; 0·log 0 = 0. In base 2 (the default) the distance lies in
 * [0, 1]; e.g. [0.5, 0.5] vs [1, 0] gives √(1.5 − ¾·log₂3) ≈ 0.5579. Evidently passes no base, so
 * its distance is in natural-log units: d_e = d₂·√(ln 2) (d₂ = 0.1 ⇔ d_e ≈ 0.083).
 */
export function jensenShannonDistance(p: readonly number[], q: readonly number[], base = 2): number {
  assertSameLength(p, q, 'jensenShannonDistance');
  const sumP = p.reduce((sum, x) => sum + x, 0);
  const sumQ = q.reduce((sum, x) => sum + x, 0);
  if (!(sumP > 0 && sumQ > 0)) return 0;
  let divergence = 0;
  p.forEach((rawP, i) => {
    const pi = rawP / sumP;
    const qi = (q[i] ?? 0) / sumQ;
    const mi = (pi + qi) / 2;
    if (pi > 0) divergence += 0.5 * pi * Math.log(pi / mi);
    if (qi > 0) divergence += 0.5 * qi * Math.log(qi / mi);
  });
  return Math.sqrt(Math.max(0, divergence) / Math.log(base));
}

/**
 * First Wasserstein distance between the current and reference distributions divided by the
 * reference standard deviation (population, floored at {@link WASSERSTEIN_MIN_NORM}), as
 * Evidently's `wasserstein` test:
 *
 *   W₁ = ∫ |F_ref(x) − F_cur(x)| dx = ∫₀¹ |F_ref⁻¹(u) − F_cur⁻¹(u)| du,   score = W₁ / max(σ_ref, 0.001)
 *
 * W₁ is computed exactly between the two sketches' bin distributions (both use the same bins).
 * Binning moves every value by at most α·|x|, so the result is within α·(E|X_ref| + E|X_cur|)/σ_ref
 * of the distance between the raw samples. A shift of the mean by s standard deviations gives
 * ≈ s. Null when either profile is empty.
 */
export function wassersteinNormed(reference: NumericProfile, current: NumericProfile): number | null {
  if (reference.count === 0 || current.count === 0) return null;
  const norm = Math.max(reference.std(0) ?? 0, WASSERSTEIN_MIN_NORM);
  return wasserstein1(reference.sketchBins(), current.sketchBins()) / norm;
}

/** Result of a two-sample Kolmogorov–Smirnov test. */
export interface KsTestResult {
  /** D = sup |F_ref − F_cur|. */
  readonly statistic: number;
  /** Two-sided asymptotic p-value (see `ksTwoSamplePValue`). */
  readonly pValue: number;
}

/**
 * Two-sample Kolmogorov–Smirnov test between two profiles. D is the largest CDF gap over the
 * union of both sketches' bins, which the two profiles share; it is therefore the exact KS
 * statistic of the values rounded to their bins (each moved by at most α relative). The p-value
 * is the asymptotic Kolmogorov one at nₑ = n·m/(n + m) (see `ksTwoSamplePValue`). Null when either
 * profile is empty.
 */
export function ksTest(reference: NumericProfile, current: NumericProfile): KsTestResult | null {
  if (reference.count === 0 || current.count === 0) return null;
  const statistic = ksStatistic(reference.sketchBins(), current.sketchBins());
  return { statistic, pValue: ksTwoSamplePValue(statistic, reference.count, current.count) };
}

/** Result of a chi-square goodness-of-fit test. */
export interface ChiSquareTestResult {
  /** χ² = Σ (O − E)² / E. */
  readonly statistic: number;
  /** P(χ²_df ≥ statistic). */
  readonly pValue: number;
  /** Categories compared minus one. */
  readonly degreesOfFreedom: number;
}

/**
 * Chi-square goodness-of-fit test of the current counts against the reference proportions, as
 * Evidently's `chisquare` test: over the union of categories, expected E_c = N_cur · r_c / R with
 * r_c the reference count, observed O_c the current count,
 *
 *   χ² = Σ_c (O_c − E_c)² / E_c,  df = (categories) − 1,  p = P(χ²_df ≥ χ²).
 *
 * A category never seen in the reference would have E = 0 (scipy, hence Evidently, then gives
 * χ² = ∞ and p = 0). Here it gets a reference pseudo-count of 0.5 instead, so the test stays
 * finite; a new category that is more than rare in the window still yields p ≈ 0. With fewer than
 * two categories there is nothing to test: χ² = 0, p = 1, df = 0.
 */
export function chiSquareTest(
  referenceCounts: ReadonlyMap<string, number>,
  currentCounts: ReadonlyMap<string, number>,
): ChiSquareTestResult {
  const categories = unionOfCategories(referenceCounts, currentCounts);
  const reference = categories.map((c) => {
    const count = referenceCounts.get(c) ?? 0;
    return count > 0 ? count : UNSEEN_CATEGORY_PSEUDO_COUNT;
  });
  const observed = categories.map((c) => currentCounts.get(c) ?? 0);
  const referenceTotal = reference.reduce((sum, x) => sum + x, 0);
  const currentTotal = observed.reduce((sum, x) => sum + x, 0);
  if (categories.length < 2 || currentTotal === 0) return { statistic: 0, pValue: 1, degreesOfFreedom: 0 };
  let statistic = 0;
  observed.forEach((o, i) => {
    const expected = (currentTotal * (reference[i] ?? 0)) / referenceTotal;
    statistic += ((o - expected) * (o - expected)) / expected;
  });
  const degreesOfFreedom = categories.length - 1;
  return { statistic, pValue: chiSquareSurvival(statistic, degreesOfFreedom), degreesOfFreedom };
}

/** Result of a two-proportion Z-test. */
export interface ZTestResult {
  /** z = (p_ref − p_cur) / √(P(1 − P)(1/n_ref + 1/n_cur)). */
  readonly statistic: number;
  /** Two-sided p-value 2·(1 − Φ(|z|)). */
  readonly pValue: number;
}

/**
 * Two-proportion Z-test for a binary category (Evidently's `z` test, its default for categorical
 * columns with at most two values on small data). With the first category by name as "0" and the
 * other as "1", p_ref and p_cur are the shares of "1" and P the pooled share:
 *
 *   z = (p_ref − p_cur) / √(P(1 − P)(1/n_ref + 1/n_cur)),  p = 2·(1 − Φ(|z|)).
 *
 * When both samples hold one and the same value (P ∈ {0, 1}) there is no difference: z = 0, p = 1.
 * Refuses more than two categories (use {@link chiSquareTest}).
 */
export function proportionZTest(
  referenceCounts: ReadonlyMap<string, number>,
  currentCounts: ReadonlyMap<string, number>,
): ZTestResult {
  const categories = unionOfCategories(referenceCounts, currentCounts);
  if (categories.length > 2) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `the proportion Z-test compares two categories, got ${categories.length}; use the chi-square test`,
    );
  }
  const second = categories[1];
  const nRef = sumOf(referenceCounts);
  const nCur = sumOf(currentCounts);
  if (second === undefined || nRef === 0 || nCur === 0) return { statistic: 0, pValue: 1 };
  const onesRef = referenceCounts.get(second) ?? 0;
  const onesCur = currentCounts.get(second) ?? 0;
  const pooled = (onesRef + onesCur) / (nRef + nCur);
  if (pooled <= 0 || pooled >= 1) return { statistic: 0, pValue: 1 };
  const z = (onesRef / nRef - onesCur / nCur) / Math.sqrt(pooled * (1 - pooled) * (1 / nRef + 1 / nCur));
  return { statistic: z, pValue: normalTwoSidedPValue(z) };
}

/**
 * The reference and current counts over the union of their categories (sorted by name), as
 * arrays ready for {@link psi} (after dividing by the totals) or {@link jensenShannonDistance}.
 */
export function alignCategoryCounts(
  referenceCounts: ReadonlyMap<string, number>,
  currentCounts: ReadonlyMap<string, number>,
): { categories: string[]; reference: number[]; current: number[] } {
  const categories = unionOfCategories(referenceCounts, currentCounts);
  return {
    categories,
    reference: categories.map((c) => referenceCounts.get(c) ?? 0),
    current: categories.map((c) => currentCounts.get(c) ?? 0),
  };
}

/** Counts divided by their sum (all zeros when the sum is 0). */
export function toProportions(counts: readonly number[]): number[] {
  const total = counts.reduce((sum, x) => sum + x, 0);
  return counts.map((count) => (total > 0 ? count / total : 0));
}

function unionOfCategories(a: ReadonlyMap<string, number>, b: ReadonlyMap<string, number>): string[] {
  const categories = new Set<string>();
  for (const [category, count] of a) if (count > 0) categories.add(category);
  for (const [category, count] of b) if (count > 0) categories.add(category);
  return [...categories].sort();
}

function sumOf(counts: ReadonlyMap<string, number>): number {
  let total = 0;
  for (const count of counts.values()) total += count;
  return total;
}

function assertSameLength(a: readonly number[], b: readonly number[], name: string): void {
  if (a.length !== b.length) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `${name} compares distributions over the same bins, got ${a.length} and ${b.length} bins`,
    );
  }
}
