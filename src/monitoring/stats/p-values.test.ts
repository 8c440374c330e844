import { describe, expect, it } from 'vitest';
import {
  chiSquareSurvival,
  kolmogorovSurvival,
  ksTwoSamplePValue,
  normalTwoSidedPValue,
} from './p-values.js';

describe('kolmogorovSurvival', () => {
  // scipy.stats.kstwobign.sf(λ), scipy 1.17; 1.224, 1.358 and 1.628 are the textbook critical
  // values for α = 0.10, 0.05 and 0.01.
  it.each([
    [0.3, 0.9999906941986655],
    [0.5, 0.9639452436648751],
    [0.8, 0.5441424115741981],
    [1.0, 0.26999967167735456],
    [1.224, 0.09992557750630869],
    [1.358, 0.05002679733444698],
    [1.628, 0.009975522431181053],
    [2.0, 0.0006709252557796953],
    [3.0, 3.045995948942526e-8],
  ])('Q(%f) matches scipy kstwobign.sf', (lambda, expected) => {
    expect(kolmogorovSurvival(lambda)).toBeCloseTo(expected, 12);
    expect(Math.abs(kolmogorovSurvival(lambda) / expected - 1)).toBeLessThan(1e-9);
  });

  it('is 1 at and below 0', () => {
    expect(kolmogorovSurvival(0)).toBe(1);
    expect(kolmogorovSurvival(-1)).toBe(1);
  });
});

describe('ksTwoSamplePValue', () => {
  // scipy.stats.kstwo.sf(D, round(n·m/(n + m))), what ks_2samp(method="asymp") returns.
  it.each([
    [30, 1000, 0.2, 0.1712352416162206],
    [30, 1000, 0.3, 0.008234924762398177],
    [50, 50, 0.2, 0.23632065644537592],
    [50, 50, 0.3, 0.0171781183234907],
    [100, 5000, 0.1, 0.26296368619669364],
    [200, 300, 0.1, 0.16946138370670658],
    [30, 30, 0.3, 0.10797506243355104],
  ])('n=%i m=%i D=%f is within 5%% of scipy asymp', (n, m, d, expected) => {
    expect(Math.abs(ksTwoSamplePValue(d, n, m) / expected - 1)).toBeLessThan(0.05);
  });

  it('is within 2% of scipy ks_2samp(method="asymp") on the 25/20 sample pair (D = 0.23, p = 0.5319)', () => {
    expect(Math.abs(ksTwoSamplePValue(0.23, 25, 20) / 0.5318713439638902 - 1)).toBeLessThan(0.02);
  });
});

describe('chiSquareSurvival', () => {
  it.each([
    [3.84, 1, 0.05004352124870519],
    [3.5, 5, 0.6233876277495822],
    [2.0, 5, 0.8491450360846096],
    [30, 10, 0.000856641210775301],
    [200, 3, 4.218541107192018e-43],
  ])('P(χ² ≥ %f | df=%i) matches scipy chi2.sf', (x, df, expected) => {
    expect(Math.abs(chiSquareSurvival(x, df) / expected - 1)).toBeLessThan(1e-9);
  });

  it('is 1 for a zero statistic and 0 for an infinite one', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(Infinity, 3)).toBe(0);
  });
});

describe('normalTwoSidedPValue', () => {
  it('gives 0.05 at z = 1.96 and 0.0027 at z = 3 (scipy 2·norm.sf)', () => {
    expect(normalTwoSidedPValue(1.96)).toBeCloseTo(0.04999579029644087, 14);
    expect(normalTwoSidedPValue(-3)).toBeCloseTo(0.0026997960632601866, 14);
  });
});
