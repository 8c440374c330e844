import { describe, expect, it } from 'vitest';
import {
  chiSquareTest,
  fillEmptyBins,
  jensenShannonDistance,
  ksTest,
  proportionZTest,
  psi,
  wassersteinNormed,
} from './drift-measures.js';
import { ksStatistic, wasserstein1, weightedSample } from './empirical-distribution.js';
import { NumericProfile } from './numeric-profile.js';

// Deterministic random numbers: mulberry32.
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` draws from N(mean, std²) by Box–Muller, reproducible from `seed`. */
function normalSample(n: number, mean: number, std: number, seed: number): number[] {
  const random = seededRandom(seed);
  return Array.from({ length: n }, () => {
    const u = 1 - random();
    const v = random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  });
}

const counts = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('psi', () => {
  it('matches a small table computed by hand', () => {
    // Σ (a − e)·ln(a/e) for e = ¼ each, a = [0.1, 0.2, 0.3, 0.4]
    expect(psi([0.25, 0.25, 0.25, 0.25], [0.1, 0.2, 0.3, 0.4])).toBeCloseTo(0.22821740957339184, 14);
    expect(psi([0.2, 0.3, 0.5], [0.2, 0.3, 0.5])).toBe(0);
  });

  it('fills an empty bin with 1e-4 as Evidently does', () => {
    expect(fillEmptyBins([0.5, 0.5, 0])).toEqual([0.5, 0.5, 1e-4]);
    expect(fillEmptyBins([0.99995, 0.00005, 0])).toEqual([0.99995, 0.00005, 0.00005 / 1e6]);
    // 2·0.1·ln(0.5/0.4) + (0.2 − 1e-4)·ln(0.2/1e-4)
    expect(psi([0.5, 0.5, 0], [0.4, 0.4, 0.2])).toBeCloseTo(1.5640491119253044, 12);
  });

  it('refuses distributions over different bins', () => {
    expect(() => psi([1], [0.5, 0.5])).toThrow(/same bins/);
  });
});

describe('jensenShannonDistance', () => {
  it('is √(1.5 − ¾·log₂3) for [½, ½] vs [1, 0] in base 2, as scipy', () => {
    expect(jensenShannonDistance([0.5, 0.5], [1, 0])).toBeCloseTo(Math.sqrt(1.5 - 0.75 * Math.log2(3)), 14);
    expect(jensenShannonDistance([0.5, 0.5], [1, 0])).toBeCloseTo(0.5579230452841438, 14);
    expect(jensenShannonDistance([0.1, 0.2, 0.7], [0.3, 0.3, 0.4])).toBeCloseTo(0.2736668758986993, 14);
  });

  it('spans [0, 1] in base 2 and matches scipy natural-log examples in base e', () => {
    expect(jensenShannonDistance([1, 0, 0], [0, 1, 0])).toBeCloseTo(1, 14);
    expect(jensenShannonDistance([1, 0, 0], [1, 0, 0])).toBe(0);
    expect(jensenShannonDistance([1, 0], [0.5, 0.5], Math.E)).toBeCloseTo(0.464501404022459, 14);
  });

  it('normalizes counts to proportions first', () => {
    expect(jensenShannonDistance([5, 5], [10, 0])).toBeCloseTo(0.5579230452841438, 14);
  });
});

describe('wassersteinNormed', () => {
  it('is about the shift in reference standard deviations for shifted normals', () => {
    const reference = NumericProfile.fromValues(normalSample(5000, 0, 2, 1));
    for (const shift of [0.25, 0.5, 1]) {
      const current = NumericProfile.fromValues(normalSample(5000, 2 * shift, 2, 2), {
        edges: reference.edges,
      });
      expect(wassersteinNormed(reference, current)).toBeCloseTo(shift, 1);
    }
  });

  it('stays within α·(E|X_ref| + E|X_cur|)/σ of the raw-sample distance', () => {
    const rawRef = normalSample(2000, 10, 3, 3);
    const rawCur = normalSample(1500, 11, 3, 4);
    const reference = NumericProfile.fromValues(rawRef);
    const current = NumericProfile.fromValues(rawCur, { edges: reference.edges });
    const std = reference.std() ?? 1;
    const exact = wasserstein1(weightedSample(rawRef), weightedSample(rawCur)) / std;
    const meanAbs = (xs: number[]) => xs.reduce((s, x) => s + Math.abs(x), 0) / xs.length;
    const bound = (0.01 * (meanAbs(rawRef) + meanAbs(rawCur))) / std;
    expect(Math.abs((wassersteinNormed(reference, current) ?? NaN) - exact)).toBeLessThanOrEqual(bound);
  });

  it('is null when a profile is empty', () => {
    expect(wassersteinNormed(new NumericProfile(), NumericProfile.fromValues([1]))).toBeNull();
  });
});

describe('ksTest', () => {
  it('agrees with the raw-sample KS statistic within the sketch rounding', () => {
    const rawRef = normalSample(800, 0, 1, 5);
    const rawCur = normalSample(300, 0.3, 1, 6);
    const result = ksTest(NumericProfile.fromValues(rawRef), NumericProfile.fromValues(rawCur));
    const exact = ksStatistic(weightedSample(rawRef), weightedSample(rawCur));
    expect(Math.abs((result?.statistic ?? NaN) - exact)).toBeLessThan(0.01);
    expect(result?.pValue).toBeLessThan(0.01);
  });

  it('is exact on integer data, whose values all sit in distinct bins', () => {
    const a = [1, 2, 2, 3, 5, 8, 13, 21];
    const b = [2, 3, 3, 4, 4, 9, 14, 22, 30];
    const result = ksTest(NumericProfile.fromValues(a), NumericProfile.fromValues(b));
    expect(result?.statistic).toBeCloseTo(ksStatistic(weightedSample(a), weightedSample(b)), 12);
  });

  it('sees a shift of a feature whose spread is small next to its magnitude (a latitude)', () => {
    // Uncentred, DDSketch bins at 47.6 are 2α·47.6 ≈ 0.95 wide: both samples would share one or
    // two bins and KS and Wasserstein would read 0. Live profiles share the reference's centre.
    const reference = NumericProfile.fromValues(normalSample(2000, 47.6, 0.1, 9));
    const live = reference.emptyLike();
    for (const value of normalSample(500, 47.75, 0.1, 10)) live.add(value);
    expect(live.centre).toBe(reference.centre);
    expect(reference.centre).toBeCloseTo(47.6, 1);
    expect(ksTest(reference, live)?.pValue).toBeLessThan(1e-6);
    expect(ksTest(reference, live)?.statistic).toBeGreaterThan(0.4);
    expect(wassersteinNormed(reference, live)).toBeGreaterThan(1.3);
    expect(wassersteinNormed(reference, live)).toBeLessThan(1.7);
  });

  it('does not flag two samples of the same distribution', () => {
    const result = ksTest(
      NumericProfile.fromValues(normalSample(1000, 0, 1, 7)),
      NumericProfile.fromValues(normalSample(500, 0, 1, 8)),
    );
    expect(result?.pValue).toBeGreaterThan(0.05);
  });
});

describe('chiSquareTest', () => {
  it("matches scipy's documented chisquare example (χ² = 3.5, p = 0.6234, df = 5)", () => {
    const reference = counts({ a: 16, b: 16, c: 16, d: 16, e: 16, f: 8 });
    const current = counts({ a: 16, b: 18, c: 16, d: 14, e: 12, f: 12 });
    const result = chiSquareTest(reference, current);
    expect(result.statistic).toBeCloseTo(3.5, 12);
    expect(result.pValue).toBeCloseTo(0.6233876277495822, 12);
    expect(result.degreesOfFreedom).toBe(5);
  });

  it('scales the reference proportions to the current count', () => {
    // reference 75/25, current 30/10 of 40: expected 30/10, χ² = 0
    expect(chiSquareTest(counts({ x: 75, y: 25 }), counts({ x: 30, y: 10 })).statistic).toBeCloseTo(0, 12);
    // current 20/20: (20 − 30)²/30 + (20 − 10)²/10 = 13.333…
    expect(chiSquareTest(counts({ x: 75, y: 25 }), counts({ x: 20, y: 20 })).statistic).toBeCloseTo(
      40 / 3,
      12,
    );
  });

  it('keeps a category unseen in the reference finite and flags it', () => {
    const result = chiSquareTest(counts({ a: 50, b: 50 }), counts({ a: 10, b: 10, c: 10 }));
    // pseudo-count 0.5: E_c = 30·0.5/100.5
    const expectedC = (30 * 0.5) / 100.5;
    const expectedA = (30 * 50) / 100.5;
    expect(result.statistic).toBeCloseTo(
      2 * ((10 - expectedA) ** 2 / expectedA) + (10 - expectedC) ** 2 / expectedC,
      9,
    );
    expect(Number.isFinite(result.statistic)).toBe(true);
    expect(result.pValue).toBeLessThan(1e-100);
    expect(result.degreesOfFreedom).toBe(2);
  });

  it('has nothing to test with a single category', () => {
    expect(chiSquareTest(counts({ a: 5 }), counts({ a: 7 }))).toEqual({
      statistic: 0,
      pValue: 1,
      degreesOfFreedom: 0,
    });
  });
});

describe('proportionZTest', () => {
  it('matches a hand computation: 60% vs 40% of 100 gives z = 2√2, p = erfc(2)', () => {
    const result = proportionZTest(counts({ no: 40, yes: 60 }), counts({ no: 60, yes: 40 }));
    expect(result.statistic).toBeCloseTo(2 * Math.SQRT2, 12);
    expect(result.pValue).toBeCloseTo(0.004677734981047266, 14);
  });

  it('gives p = 1 when both samples hold the same single value', () => {
    expect(proportionZTest(counts({ a: 5 }), counts({ a: 9 }))).toEqual({ statistic: 0, pValue: 1 });
  });

  it('refuses more than two categories', () => {
    expect(() => proportionZTest(counts({ a: 1, b: 1 }), counts({ c: 1 }))).toThrow(/chi-square/);
  });
});
