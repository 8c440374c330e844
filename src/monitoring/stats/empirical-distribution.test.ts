import { describe, expect, it } from 'vitest';
import { ksStatistic, wasserstein1, weightedSample } from './empirical-distribution.js';

// Samples and expected values from scipy 1.17: stats.ks_2samp(A, B).statistic = 0.23,
// stats.wasserstein_distance(A, B) = 0.6066.
const A = [
  0.61, 0.29, 0.06, 0.59, -1.73, -0.74, 0.51, -0.56, 0.39, 1.64, 0.05, -0.06, 0.64, -0.82, 0.37, 1.77, 1.09,
  -1.28, 2.36, 1.31, 1.05, -0.32, -0.4, 1.06, -2.47,
];
const B = [
  2.2, 1.66, 1.38, 0.2, 0.36, 0, 0.96, 1.56, 0.44, 1.5, -0.3, 0.66, 2.31, 3.29, -0.27, -0.37, 0.38, 0.7, 0.52,
  -0.72,
];

describe('ksStatistic', () => {
  it('equals scipy ks_2samp on two raw samples', () => {
    expect(ksStatistic(weightedSample(A), weightedSample(B))).toBeCloseTo(0.23, 12);
  });

  it('handles ties across the samples as scipy does', () => {
    // F_a jumps to 2/3 at 1 and F_b to 1/3: D = 1/3.
    expect(ksStatistic(weightedSample([1, 1, 2]), weightedSample([1, 2, 2]))).toBeCloseTo(1 / 3, 12);
  });

  it('is 0 for identical samples and 1 for disjoint ones', () => {
    expect(ksStatistic(weightedSample([1, 2, 3]), weightedSample([3, 2, 1]))).toBe(0);
    expect(ksStatistic(weightedSample([1, 2]), weightedSample([3, 4]))).toBe(1);
  });
});

describe('wasserstein1', () => {
  it('equals scipy wasserstein_distance on two raw samples', () => {
    expect(wasserstein1(weightedSample(A), weightedSample(B))).toBeCloseTo(0.6066, 12);
  });

  it('matches the examples of the scipy documentation, weighted ones included', () => {
    expect(wasserstein1(weightedSample([0, 1, 3]), weightedSample([5, 6, 8]))).toBeCloseTo(5, 12);
    const weighted = (values: number[], weights: number[]) =>
      values.map((value, i) => ({ value, weight: weights[i] ?? 0 }));
    expect(wasserstein1(weighted([0, 1], [3, 1]), weighted([0, 1], [2, 2]))).toBeCloseTo(0.25, 12);
    expect(
      wasserstein1(weighted([3.4, 3.9, 7.5, 7.8], [1.4, 0.9, 3.1, 7.2]), weighted([4.5, 1.4], [3.2, 3.5])),
    ).toBeCloseTo(4.078133143804785, 12);
  });

  it('is 0 when a side is empty', () => {
    expect(wasserstein1([], weightedSample([1]))).toBe(0);
  });
});
