/**
 * A point mass of a discrete distribution: `weight` observations at `value`. A raw sample is a
 * list of weight-1 points; a sketch gives one point per bin (see `DDSketch.bins`).
 */
export interface WeightedValue {
  readonly value: number;
  readonly weight: number;
}

/** Weight-1 points for a raw sample (any order). */
export function weightedSample(values: readonly number[]): WeightedValue[] {
  return values.map((value) => ({ value, weight: 1 }));
}

/** Sum of the weights. */
export function totalWeight(points: readonly WeightedValue[]): number {
  let total = 0;
  for (const point of points) total += point.weight;
  return total;
}

/**
 * Walk the union of both supports in ascending order, calling `visit(Fa(x), Fb(x), x, next)` at
 * every distinct support point x with both empirical CDFs after x and the next support point
 * (Infinity after the last one). Both inputs must have positive total weight.
 */
function walkCdfs(
  a: readonly WeightedValue[],
  b: readonly WeightedValue[],
  visit: (fa: number, fb: number, x: number, next: number) => void,
): void {
  const sortedA = [...a].sort((p, q) => p.value - q.value);
  const sortedB = [...b].sort((p, q) => p.value - q.value);
  const totalA = totalWeight(sortedA);
  const totalB = totalWeight(sortedB);
  let i = 0;
  let j = 0;
  let cumA = 0;
  let cumB = 0;
  while (i < sortedA.length || j < sortedB.length) {
    const x = Math.min(sortedA[i]?.value ?? Infinity, sortedB[j]?.value ?? Infinity);
    while (i < sortedA.length && sortedA[i]?.value === x) cumA += sortedA[i++]?.weight ?? 0;
    while (j < sortedB.length && sortedB[j]?.value === x) cumB += sortedB[j++]?.weight ?? 0;
    const next = Math.min(sortedA[i]?.value ?? Infinity, sortedB[j]?.value ?? Infinity);
    visit(cumA / totalA, cumB / totalB, x, next);
  }
}

/**
 * Two-sample Kolmogorov–Smirnov statistic D = sup_x |F_a(x) − F_b(x)| of two weighted samples,
 * evaluated exactly at every support point (ties handled as scipy's `ks_2samp` does). 0 when
 * either side is empty.
 */
export function ksStatistic(a: readonly WeightedValue[], b: readonly WeightedValue[]): number {
  if (totalWeight(a) <= 0 || totalWeight(b) <= 0) return 0;
  let d = 0;
  walkCdfs(a, b, (fa, fb) => {
    d = Math.max(d, Math.abs(fa - fb));
  });
  return d;
}

/**
 * First Wasserstein (earth mover's) distance W₁ = ∫ |F_a(x) − F_b(x)| dx between two weighted
 * samples, computed exactly on the union of their supports (as scipy's `wasserstein_distance`).
 * 0 when either side is empty.
 */
export function wasserstein1(a: readonly WeightedValue[], b: readonly WeightedValue[]): number {
  if (totalWeight(a) <= 0 || totalWeight(b) <= 0) return 0;
  let distance = 0;
  walkCdfs(a, b, (fa, fb, x, next) => {
    if (Number.isFinite(next)) distance += Math.abs(fa - fb) * (next - x);
  });
  return distance;
}
