import { describe, expect, it } from 'vitest';
import { CategoricalProfile } from './categorical-profile.js';
import { datasetDrift, DEFAULT_DRIFT_SETTINGS, featureDrift, type FeatureDrift } from './drift-verdict.js';
import { NumericProfile } from './numeric-profile.js';

const settings = DEFAULT_DRIFT_SETTINGS;

/** n evenly spread values over [from, from + 1): a deterministic uniform sample. */
function uniform(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + (i + 0.5) / n);
}

const reference = NumericProfile.fromValues(uniform(5000));
const window = (values: number[]) => NumericProfile.fromValues(values, { edges: reference.edges });

/** `n` rows cycling through `categories` with the given weights. */
function categorical(n: number, weights: Record<string, number>): CategoricalProfile {
  const values: string[] = [];
  const total = Object.values(weights).reduce((s, w) => s + w, 0);
  for (const [category, weight] of Object.entries(weights)) {
    for (let i = 0; i < Math.round((n * weight) / total); i++) values.push(category);
  }
  return CategoricalProfile.fromValues(values);
}

describe('featureDrift, numeric', () => {
  it('uses the KS p-value on a small window and keeps a same-distribution window undrifted', () => {
    const result = featureDrift('numeric', reference, window(uniform(200)), settings);
    expect(result.method).toBe('ks');
    expect(result.drifted).toBe(false);
    expect(result.threshold).toBe(0.05);
    expect(result.score).toBe(result.pValue);
    expect(result.statistic).toBeLessThan(0.02);
    expect(result.psi).toBeLessThan(0.01);
    expect(result.wasserstein).toBeLessThan(0.01);
  });

  it('flags a shifted small window by KS p < 0.05', () => {
    const result = featureDrift('numeric', reference, window(uniform(200, 0.3)), settings);
    expect(result.method).toBe('ks');
    expect(result.statistic).toBeCloseTo(0.3, 1);
    expect(result.drifted).toBe(true);
  });

  it('uses the normed Wasserstein distance on a large window', () => {
    // uniform on [0, 1) has σ = 1/√12; a shift of 0.1 is 0.1·√12 ≈ 0.35 σ
    const result = featureDrift('numeric', reference, window(uniform(2000, 0.1)), settings);
    expect(result.method).toBe('wasserstein');
    expect(result.score).toBeCloseTo(0.1 * Math.sqrt(12), 1);
    expect(result.threshold).toBe(0.1);
    expect(result.drifted).toBe(true);
    expect(result.pValue).toBeUndefined();
    const same = featureDrift('numeric', reference, window(uniform(2000)), settings);
    expect(same.drifted).toBe(false);
  });

  it('gives no verdict below the minimum window size, but still reports the scores', () => {
    const result = featureDrift('numeric', reference, window(uniform(10, 5)), settings);
    expect(result.drifted).toBeNull();
    expect(result.currentRows).toBe(10);
    expect(result.psi).toBeGreaterThan(1);
  });

  it('gives no score at all for an empty window', () => {
    const result = featureDrift('numeric', reference, reference.emptyLike(), settings);
    expect(result).toMatchObject({
      method: 'ks',
      score: null,
      drifted: null,
      psi: null,
      jensenShannon: null,
    });
  });

  it('treats a numeric feature with at most five values as categorical', () => {
    const flags = NumericProfile.fromValues([...Array(500).fill(0), ...Array(500).fill(1)]);
    const small = NumericProfile.fromValues([...Array(80).fill(0), ...Array(20).fill(1)], {
      edges: flags.edges,
    });
    expect(featureDrift('numeric', flags, small, settings)).toMatchObject({
      method: 'z-test',
      drifted: true,
    });
    const levels = NumericProfile.fromValues([1, 2, 3, 1, 2, 3]);
    const live = NumericProfile.fromValues(Array(100).fill(3), { edges: levels.edges });
    expect(featureDrift('numeric', levels, live, settings).method).toBe('chi-square');
    const large = NumericProfile.fromValues([...Array(1500).fill(0), ...Array(500).fill(1)], {
      edges: flags.edges,
    });
    expect(featureDrift('numeric', flags, large, settings)).toMatchObject({
      method: 'jensen-shannon',
      drifted: true,
    });
  });
});

describe('featureDrift, categorical', () => {
  const ref = categorical(3000, { a: 5, b: 3, c: 2 });

  it('uses the chi-square test on a small window with more than two categories', () => {
    expect(featureDrift('categorical', ref, categorical(300, { a: 5, b: 3, c: 2 }), settings)).toMatchObject({
      method: 'chi-square',
      drifted: false,
    });
    const shifted = featureDrift('categorical', ref, categorical(300, { a: 2, b: 3, c: 5 }), settings);
    expect(shifted).toMatchObject({ method: 'chi-square', drifted: true });
    expect(shifted.pValue).toBeLessThan(1e-10);
  });

  it('uses the two-proportion Z-test with two categories', () => {
    const binary = categorical(1000, { yes: 1, no: 1 });
    expect(featureDrift('categorical', binary, categorical(200, { yes: 1, no: 1 }), settings)).toMatchObject({
      method: 'z-test',
      drifted: false,
    });
  });

  it('uses the Jensen–Shannon distance on a large window', () => {
    const same = featureDrift('categorical', ref, categorical(2000, { a: 5, b: 3, c: 2 }), settings);
    expect(same).toMatchObject({ method: 'jensen-shannon', drifted: false });
    const shifted = featureDrift('categorical', ref, categorical(2000, { a: 2, b: 3, c: 5 }), settings);
    expect(shifted.method).toBe('jensen-shannon');
    expect(shifted.score).toBeGreaterThan(0.1);
    expect(shifted.drifted).toBe(true);
    expect(shifted.wasserstein).toBeUndefined();
  });

  it('refuses profiles of the wrong kind', () => {
    const numeric = reference as unknown as CategoricalProfile;
    expect(() => featureDrift('categorical', numeric, numeric, settings)).toThrow(/two categorical profiles/);
  });
});

describe('datasetDrift', () => {
  const result = (drifted: boolean | null): FeatureDrift => ({
    method: 'ks',
    score: 0,
    threshold: 0.05,
    drifted,
    psi: 0,
    jensenShannon: 0,
    referenceRows: 100,
    currentRows: 100,
  });
  const features = { a: result(true), b: result(true), c: result(false), d: result(false), e: result(null) };

  it('drifts when at least the configured share of the judged features drift', () => {
    expect(datasetDrift(features)).toEqual({
      driftedFeatures: ['a', 'b'],
      evaluatedFeatures: 4,
      share: 0.5,
      threshold: 0.5,
      drifted: true,
    });
    expect(datasetDrift(features, 0.6).drifted).toBe(false);
  });

  it('gives no verdict when no feature was judged', () => {
    expect(datasetDrift({ e: result(null) }).drifted).toBeNull();
  });
});
