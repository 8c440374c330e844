import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { FeatureSpec } from '../features/feature-spec.js';
import { CategoricalProfile, NumericProfile } from '../stats/index.js';
import { rebinNumeric, VersionProfile } from './version-profile.js';

const FEATURES: FeatureSpec[] = [
  { name: 'x', kind: 'numeric', source: 'input', tensor: 'x', column: 0 },
  { name: 'c', kind: 'categorical', source: 'input', tensor: 'x', column: 1 },
  { name: 'y', kind: 'numeric', source: 'output', tensor: 'y', column: null },
];

const reference = VersionProfile.of([
  ['x', { kind: 'numeric', source: 'input', profile: NumericProfile.fromValues([-5, -1, 0, 2, 3, 10, 40]) }],
  ['c', { kind: 'categorical', source: 'input', profile: CategoricalProfile.fromValues(['a', 'b']) }],
  ['y', { kind: 'numeric', source: 'output', profile: NumericProfile.fromValues([0, 0.5, 1]) }],
]);

const row = fc.record({
  x: fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), { nil: null }),
  c: fc.option(fc.constantFrom('a', 'b', 'c', 'd'), { nil: null }),
  y: fc.double({ min: 0, max: 1, noNaN: true }),
});

const profileOf = (rows: readonly { x: number | null; c: string | null; y: number }[]) => {
  const profile = VersionProfile.emptyFor(FEATURES, reference);
  for (const r of rows) profile.add({ features: { x: r.x, c: r.c }, outputs: { y: r.y } });
  return profile;
};

/** Everything but mean and m2 (float rounding), which are compared apart. */
function exactParts(profile: VersionProfile) {
  return profile.toJSON().features.map(({ name, profile: json }) => {
    const { mean: _mean, m2: _m2, ...rest } = json as Record<string, unknown>;
    return { name, ...rest };
  });
}

describe('version profiles', () => {
  it('merged from any split of the rows equal the profile of all of them (exact but for float rounding)', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 120 }), fc.array(fc.nat(), { maxLength: 4 }), (rows, cuts) => {
        const points = [...new Set(cuts.map((cut) => cut % (rows.length + 1)))].sort((a, b) => a - b);
        const parts: (typeof rows)[] = [];
        let start = 0;
        for (const point of [...points, rows.length]) {
          parts.push(rows.slice(start, point));
          start = point;
        }
        const merged = VersionProfile.mergeAll(parts.map(profileOf))!;
        const whole = profileOf(rows);
        expect(exactParts(merged)).toEqual(exactParts(whole));
        const x = merged.feature('x');
        const wholeX = whole.feature('x');
        if (x?.kind === 'numeric' && wholeX?.kind === 'numeric' && wholeX.profile.mean !== null) {
          expect(x.profile.mean).toBeCloseTo(wholeX.profile.mean, 3);
        }
      }),
    );
  });

  it('survive a JSON round trip unchanged', () => {
    fc.assert(
      fc.property(fc.array(row, { maxLength: 60 }), (rows) => {
        const profile = profileOf(rows);
        const text = JSON.stringify(profile.toJSON());
        expect(JSON.stringify(VersionProfile.fromJSON(text).toJSON())).toBe(text);
      }),
    );
  });

  it('recut onto other edges keep every count and put each value within 1% of its true bin', () => {
    const values = Array.from({ length: 500 }, (_, i) => (i * 37) % 101);
    const oneBin = NumericProfile.fromValues(values, { edges: [] });
    const edges = [10.5, 30.5, 70.5];
    const direct = NumericProfile.fromValues(values, { edges });
    const recut = rebinNumeric(oneBin, edges);
    expect(recut.histogram).toEqual(direct.histogram); // no value lies within 1% of these edges
    expect(recut.count).toBe(direct.count);
    expect(recut.toJSON().sketch).toEqual(direct.toJSON().sketch);
    expect(rebinNumeric(direct, edges)).toBe(direct);
  });

  it('refuse stored JSON that is not a profile', () => {
    expect(() => VersionProfile.fromJSON('{"version": 2, "features": []}')).toThrow(
      /stored version profile is malformed/,
    );
    expect(() => VersionProfile.fromJSON('not json')).toThrow(/stored version profile is not JSON/);
  });
});
