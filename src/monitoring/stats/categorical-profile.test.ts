import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CategoricalProfile, OTHER_CATEGORY } from './categorical-profile.js';

const category = fc.option(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g'), { freq: 6, nil: null });

describe('CategoricalProfile', () => {
  it('counts categories, missing values and top-k frequencies', () => {
    const profile = CategoricalProfile.fromValues([
      'red',
      'blue',
      'red',
      null,
      'green',
      'red',
      undefined,
      'blue',
    ]);
    expect(profile.count).toBe(6);
    expect(profile.missing).toBe(2);
    expect(profile.topK(2)).toEqual([
      { category: 'red', count: 3, frequency: 0.5 },
      { category: 'blue', count: 2, frequency: 2 / 6 },
    ]);
  });

  it('compares values as strings', () => {
    const profile = CategoricalProfile.fromValues([1, '1', true, 'true']);
    expect(profile.categoryCounts()).toEqual(
      new Map([
        ['1', 2],
        ['true', 2],
      ]),
    );
  });

  it('sends categories beyond the cap to the __other__ bucket, keeping the total exact', () => {
    const profile = CategoricalProfile.fromValues(['a', 'b', 'c', 'c', 'd'], { maxCategories: 2 });
    expect(profile.distinctCount).toBe(2);
    expect(profile.other).toBe(3);
    expect(profile.count).toBe(5);
    expect(profile.categoryCounts().get(OTHER_CATEGORY)).toBe(3);
  });

  it('keeps the most frequent categories when a merge exceeds the cap', () => {
    const a = CategoricalProfile.fromValues(['x', 'x', 'x', 'y'], { maxCategories: 2 });
    const b = CategoricalProfile.fromValues(['z', 'z', 'y'], { maxCategories: 2 });
    const merged = a.merge(b);
    expect([...merged.categoryCounts()]).toEqual([
      ['x', 3],
      ['y', 2],
      [OTHER_CATEGORY, 2],
    ]);
    expect(merged.count).toBe(7);
  });

  it('merges the profiles of a split stream into exactly the profile of the whole stream', () => {
    fc.assert(
      fc.property(fc.array(category, { maxLength: 200 }), fc.nat(), fc.nat(), (values, i, j) => {
        const [x, y] = [i % (values.length + 1), j % (values.length + 1)].sort((p, q) => p - q) as [
          number,
          number,
        ];
        const [a, b, c] = [values.slice(0, x), values.slice(x, y), values.slice(y)].map((part) =>
          CategoricalProfile.fromValues(part),
        ) as [CategoricalProfile, CategoricalProfile, CategoricalProfile];
        const whole = CategoricalProfile.fromValues(values).toJSON();
        expect(a.merge(b).merge(c).toJSON()).toEqual(whole);
        expect(a.merge(b.merge(c)).toJSON()).toEqual(whole);
        expect(CategoricalProfile.mergeAll([c, a, b]).toJSON()).toEqual(whole);
      }),
    );
  });

  it('survives a JSON round trip through a text column', () => {
    fc.assert(
      fc.property(fc.array(category, { maxLength: 100 }), fc.integer({ min: 1, max: 10 }), (values, cap) => {
        const json = CategoricalProfile.fromValues(values, { maxCategories: cap }).toJSON();
        expect(CategoricalProfile.fromJSON(JSON.parse(JSON.stringify(json))).toJSON()).toEqual(json);
      }),
    );
  });

  it('refuses stored JSON that is malformed', () => {
    expect(() => CategoricalProfile.fromJSON({ kind: 'categorical' })).toThrow(/malformed/);
  });
});
