import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NumericProfile } from './numeric-profile.js';
import { shortFloat32 as shortest } from '../features/extract-rows.js';

const ALPHA = 0.01;
const EDGES = [-1000, -10, 0, 10, 1000];
const value = fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
  freq: 8,
  nil: null,
});

/** Profiles of parts of one stream share edges and centre, as live windows of one reference do. */
function profileOf(values: readonly (number | null)[]): NumericProfile {
  return NumericProfile.fromValues(values, { edges: EDGES, centre: 0 });
}

/** Split `values` at two cut points into three parts. */
function threeParts<T>(values: readonly T[], i: number, j: number): [T[], T[], T[]] {
  const [a, b] = [i % (values.length + 1), j % (values.length + 1)].sort((x, y) => x - y) as [number, number];
  return [values.slice(0, a), values.slice(a, b), values.slice(b)];
}

/** Merged and whole agree exactly on everything but mean and M2, which agree within rounding. */
function expectSameProfile(
  merged: NumericProfile,
  whole: NumericProfile,
  values: readonly (number | null)[],
): void {
  const { mean: m1, m2: v1, ...exact1 } = merged.toJSON();
  const { mean: m2, m2: v2, ...exact2 } = whole.toJSON();
  expect(exact1).toEqual(exact2);
  const scale = Math.max(1, ...values.map((v) => Math.abs(v ?? 0)));
  expect(Math.abs(m1 - m2)).toBeLessThanOrEqual(1e-9 * scale);
  expect(Math.abs(v1 - v2)).toBeLessThanOrEqual(1e-9 * scale * scale * Math.max(1, values.length));
}

describe('NumericProfile', () => {
  it('counts, missing, min, max, mean and std of a small hand-checked sample', () => {
    const profile = NumericProfile.fromValues([2, 4, 4, null, 4, 5, 5, Number.NaN, 7, 9, Infinity, 1e200]);
    expect(profile.count).toBe(8);
    expect(profile.missing).toBe(4);
    expect(profile.min).toBe(2);
    expect(profile.max).toBe(9);
    expect(profile.mean).toBe(5);
    expect(profile.std()).toBe(2); // population std, numpy's np.std
    expect(profile.std(1)).toBeCloseTo(Math.sqrt(32 / 7), 12);
  });

  it('cuts the reference histogram at its deciles, so each bin holds a tenth', () => {
    const values = Array.from({ length: 1000 }, (_, i) => i);
    const profile = NumericProfile.fromValues(values);
    expect(profile.edges).toHaveLength(9);
    expect(profile.histogram).toHaveLength(10);
    for (const count of profile.histogram) expect(Math.abs(count - 100)).toBeLessThanOrEqual(1);
  });

  it('lets a live profile reuse the reference edges, with values beyond them in the outer bins', () => {
    const reference = NumericProfile.fromValues([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    const live = reference.emptyLike();
    live.add(-50);
    live.add(500);
    expect(live.edges).toEqual(reference.edges);
    expect(live.histogram[0]).toBe(1);
    expect(live.histogram[live.histogram.length - 1]).toBe(1);
  });

  it('counts distinct values exactly up to five, then stops', () => {
    const binary = NumericProfile.fromValues([0, 1, 1, 0, 1]);
    expect(binary.distinctValues).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(NumericProfile.fromValues([1, 2, 3, 4, 5, 6]).distinctValues).toBeNull();
    const merged = NumericProfile.fromValues([1, 2, 3], { edges: [] }).merge(
      NumericProfile.fromValues([4, 5, 6], { edges: [] }),
    );
    expect(merged.distinctValues).toBeNull();
  });

  it('gives quantiles within the sketch accuracy', () => {
    const values = Array.from({ length: 501 }, (_, i) => i + 1);
    const profile = NumericProfile.fromValues(values);
    expect(Math.abs((profile.quantile(0.5) ?? 0) - 251)).toBeLessThanOrEqual(ALPHA * 251);
    expect(Math.abs((profile.quantile(0.9) ?? 0) - 451)).toBeLessThanOrEqual(ALPHA * 451);
    expect(profile.cdf(0)).toBe(0);
    expect(profile.cdf(501)).toBe(1);
  });

  it('merges the profiles of a split stream into the profile of the whole stream', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 200 }), fc.nat(), fc.nat(), (values, i, j) => {
        const [a, b, c] = threeParts(values, i, j).map(profileOf) as [
          NumericProfile,
          NumericProfile,
          NumericProfile,
        ];
        const whole = profileOf(values);
        expectSameProfile(a.merge(b).merge(c), whole, values);
        expectSameProfile(c.merge(b).merge(a), whole, values);
        expectSameProfile(NumericProfile.mergeAll([b, c, a]), whole, values);
      }),
    );
  });

  it('merges associatively and commutatively', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 120 }), fc.nat(), fc.nat(), (values, i, j) => {
        const [a, b, c] = threeParts(values, i, j).map(profileOf) as [
          NumericProfile,
          NumericProfile,
          NumericProfile,
        ];
        expectSameProfile(a.merge(b).merge(c), a.merge(b.merge(c)), values);
        expect(a.merge(b).toJSON()).toEqual(b.merge(a).toJSON());
      }),
    );
  });

  it('merges to the same variance bit for bit in either order (a case fast-check found)', () => {
    const values = [null, 0, 0.0004234073276165873, 0, 0, 0, 0, 0, 926996.4855869594];
    const [a, b] = threeParts(values, 1129501746, 1547053729).map(profileOf) as [
      NumericProfile,
      NumericProfile,
    ];
    expect(a.merge(b).toJSON()).toEqual(b.merge(a).toJSON());
  });

  it('keeps quantiles of a merged profile within the accuracy of the whole stream', () => {
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 200 }), fc.nat(), (values, i) => {
        const cut = i % (values.length + 1);
        const merged = profileOf(values.slice(0, cut)).merge(profileOf(values.slice(cut)));
        const sorted = values.filter((v): v is number => v !== null).sort((x, y) => x - y);
        for (const q of [0, 0.1, 0.5, 0.9, 1]) {
          const truth = sorted[Math.floor(q * (sorted.length - 1))];
          if (truth === undefined) expect(merged.quantile(q)).toBeNull();
          else
            expect(Math.abs((merged.quantile(q) ?? NaN) - truth)).toBeLessThanOrEqual(
              (ALPHA + 1e-12) * Math.abs(truth),
            );
        }
      }),
    );
  });

  it('survives a JSON round trip through a text column', () => {
    fc.assert(
      fc.property(fc.array(value, { maxLength: 100 }), (values) => {
        const profile = NumericProfile.fromValues(values);
        const json = profile.toJSON();
        const back = NumericProfile.fromJSON(JSON.parse(JSON.stringify(json)));
        expect(back.toJSON()).toEqual(json);
        expect(back.std()).toEqual(profile.std());
      }),
    );
  });

  it('refuses stored JSON that is malformed or inconsistent', () => {
    const json = profileOf([1, 2, 3]).toJSON();
    expect(() => NumericProfile.fromJSON({ ...json, counts: 'x' })).toThrow(/malformed at '\/counts'/);
    expect(() => NumericProfile.fromJSON({ ...json, counts: [0, 0, 0, 0, 0, 0] })).toThrow(/inconsistent/);
  });

  it('refuses to merge profiles whose histogram edges differ', () => {
    expect(() =>
      NumericProfile.fromValues([1], { edges: [0] }).merge(NumericProfile.fromValues([1], { edges: [1] })),
    ).toThrow(/emptyLike/);
  });

  it('refuses edges that do not increase', () => {
    expect(() => new NumericProfile({ edges: [2, 1] })).toThrow(/strictly increasing/);
  });
});

describe('NumericProfile.addFloat32', () => {
  it('gives the profile of the stored decimals: same counts, extremes, bins and distinct values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.integer({ min: -50, max: 50 }).map((i) => i / 10),
            fc.double({ min: -9, max: 9, noNaN: true }),
          ),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        (decimals) => {
          // A reference whose histogram edges are some of these very decimals.
          const reference = NumericProfile.fromValues(decimals);
          const raws = decimals.map((value) => Math.fround(value));
          const byDecimal = reference.emptyLike();
          const byFloat = reference.emptyLike();
          for (const raw of raws) byDecimal.add(shortest(raw));
          for (const raw of raws) byFloat.addFloat32(raw, shortest);
          byFloat.addFloat32(NaN, shortest);
          byDecimal.add(null);
          expect(byFloat.count).toBe(byDecimal.count);
          expect(byFloat.missing).toBe(byDecimal.missing);
          expect(byFloat.min).toBe(byDecimal.min);
          expect(byFloat.max).toBe(byDecimal.max);
          expect(byFloat.histogram).toEqual(byDecimal.histogram);
          expect(byFloat.distinctValues).toEqual(byDecimal.distinctValues);
          expect(byFloat.mean!).toBeCloseTo(byDecimal.mean!, 5);
        },
      ),
    );
  });

  it('counts distinct values exactly when float32 and decimal additions mix, and merges them', () => {
    const reference = NumericProfile.fromValues([0.1, 0.2, 0.3, 0.4]);
    const mixed = reference.emptyLike();
    const decimals = reference.emptyLike();
    for (const value of [0.1, 0.2, 0.1, 0.3]) {
      mixed.addFloat32(Math.fround(value), shortest);
      decimals.add(value);
    }
    mixed.add(0.2);
    decimals.add(0.2);
    expect(mixed.distinctValues).toEqual(decimals.distinctValues);
    const other = reference.emptyLike();
    other.addFloat32(Math.fround(0.4), shortest);
    expect(mixed.merge(other).distinctValues).toEqual([
      [0.1, 2],
      [0.2, 2],
      [0.3, 1],
      [0.4, 1],
    ]);
    for (const value of [0.5, 0.6, 0.7]) mixed.addFloat32(Math.fround(value), shortest);
    expect(mixed.distinctValues).toBeNull();
  });

  it('counts runs of one value exactly, read in the middle of a run or merged there', () => {
    const reference = NumericProfile.fromValues([0, 1, 2]);
    const runs = reference.emptyLike();
    const plain = reference.emptyLike();
    for (const value of [0, 0, 0, 1, 1, 0, 2, 2, 2]) {
      runs.addFloat32(value, shortest);
      plain.add(value);
    }
    expect(runs.distinctValues).toEqual(plain.distinctValues);
    runs.addFloat32(2, shortest);
    plain.add(2);
    expect(runs.merge(reference).distinctValues).toEqual(plain.merge(reference).distinctValues);
    expect(runs.toJSON()).toEqual(plain.toJSON());
  });

  it('stays exact past the distinct-value limit, where it stops converting every value', () => {
    const decimals = Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 1000) / 100 - 5);
    const reference = NumericProfile.fromValues(decimals);
    const byDecimal = reference.emptyLike();
    const byFloat = reference.emptyLike();
    for (const value of decimals) byDecimal.add(shortest(Math.fround(value)));
    for (const value of decimals) byFloat.addFloat32(Math.fround(value), shortest);
    expect(byFloat.distinctValues).toBeNull();
    expect(byFloat.histogram).toEqual(byDecimal.histogram);
    expect([byFloat.min, byFloat.max]).toEqual([byDecimal.min, byDecimal.max]);
    expect(byFloat.quantile(0.5)!).toBeCloseTo(byDecimal.quantile(0.5)!, 1);
  });
});

describe('NumericProfile.addFloat32Rows', () => {
  it('gives what addFloat32 gives value by value: the same counts, bins, sketch and distinct values; mean and variance within rounding', () => {
    const element = fc.oneof(
      { arbitrary: fc.integer({ min: -50, max: 50 }).map((i) => i / 10), weight: 3 },
      { arbitrary: fc.double({ min: -9, max: 9, noNaN: true }), weight: 3 },
      { arbitrary: fc.constantFrom(NaN, Infinity, -Infinity), weight: 1 },
    );
    fc.assert(
      fc.property(
        fc.array(element, { minLength: 1, maxLength: 120 }),
        fc.array(fc.nat(), { maxLength: 400 }),
        fc.nat(),
        fc.boolean(),
        (elements, picks, cut, fewValues) => {
          // Few distinct values keep the exact distinct counts; many go past the limit.
          const values = Float32Array.from(fewValues ? elements.slice(0, 4) : elements);
          const rows = picks.map((pick) => pick % values.length);
          const split = cut % (rows.length + 1);
          // A reference whose histogram edges are some of these very values.
          const reference = NumericProfile.fromValues(
            elements.filter(Number.isFinite).map((x) => shortest(x)),
          );
          const byValue = reference.emptyLike();
          const byRows = reference.emptyLike();
          for (const row of rows) byValue.addFloat32(values[row]!, shortest);
          byRows.addFloat32Rows(values, rows.slice(0, split), shortest);
          byRows.addFloat32Rows(values, rows.slice(split), shortest);
          const { mean, m2, ...exact } = byRows.toJSON();
          const { mean: expectedMean, m2: expectedM2, ...expected } = byValue.toJSON();
          expect(exact).toEqual(expected);
          expect(Math.abs(mean - expectedMean)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, Math.abs(expectedMean)),
          );
          expect(Math.abs(m2 - expectedM2)).toBeLessThanOrEqual(1e-9 * Math.max(1, expectedM2));
        },
      ),
    );
  });
});
