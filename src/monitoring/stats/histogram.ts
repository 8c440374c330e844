/** Bins a reference profile cuts by default: 10, at its deciles. */
export const DEFAULT_HISTOGRAM_BINS = 10;

/**
 * Inner bin edges at the (i/bins)-quantiles of `values`, i = 1 … bins − 1, with linear
 * interpolation between order statistics (numpy's default quantile), duplicates dropped so the
 * edges are strictly increasing. With 10 bins these are the deciles, and each of the 10 bins holds
 * about a tenth of the reference. Non-finite values are ignored; no values give no edges.
 */
export function quantileEdges(values: readonly number[], bins: number = DEFAULT_HISTOGRAM_BINS): number[] {
  const sorted = values.filter((value) => Number.isFinite(value)).sort((a, b) => a - b);
  const edges: number[] = [];
  if (sorted.length === 0) return edges;
  for (let i = 1; i < bins; i++) {
    const position = (i / bins) * (sorted.length - 1);
    const below = Math.floor(position);
    const lower = sorted[below] ?? 0;
    const upper = sorted[Math.min(below + 1, sorted.length - 1)] ?? lower;
    const edge = lower + (upper - lower) * (position - below);
    if (edges.length === 0 || edge > (edges[edges.length - 1] ?? edge)) edges.push(edge);
  }
  return edges;
}

/**
 * The bin of `value` among the bins cut by strictly increasing `edges` e₀ < … < e_{k−1}: bin 0 is
 * (−∞, e₀), bin i is [e_{i−1}, e_i), bin k is [e_{k−1}, ∞). There are always edges.length + 1
 * bins; the outer two are open-ended, so a live value outside the reference range still has a bin.
 */
export function binIndex(edges: readonly number[], value: number): number {
  let low = 0;
  let high = edges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((edges[middle] ?? Infinity) <= value) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * {@link binIndex} by counting the edges ≤ `value` one by one. For a histogram of a few bins (10 by
 * default) and values spread across them, faster than the binary search, whose steps the CPU
 * cannot predict (measured: 20 against 30 ns a value over 9 edges).
 */
export function binIndexLinear(edges: readonly number[], value: number): number {
  let bin = 0;
  for (let i = 0; i < edges.length; i++) bin += Number(edges[i]! <= value);
  return bin;
}
