import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MAX_DENSE_BINS, SketchBins } from './sketch-bins.js';

/** The counts a map keeps for the same additions, ascending key. */
function expected(additions: readonly (readonly [number, number])[]): [number, number][] {
  const map = new Map<number, number>();
  for (const [key, count] of additions) map.set(key, (map.get(key) ?? 0) + count);
  return [...map.entries()].sort((a, b) => a[0] - b[0]);
}

const additions = (maxKey: number) =>
  fc.array(fc.tuple(fc.integer({ min: -maxKey, max: maxKey }), fc.integer({ min: 1, max: 5 })), {
    maxLength: 300,
  });

describe('SketchBins', () => {
  it('counts exactly what a map counts, growing either way, dense or past MAX_DENSE_BINS', () => {
    fc.assert(
      fc.property(fc.constantFrom(40, 2000, MAX_DENSE_BINS * 2).chain(additions), (list) => {
        const bins = new SketchBins();
        for (const [key, count] of list) bins.add(key, count);
        expect(bins.entries()).toEqual(expected(list));
        expect(bins.copy().entries()).toEqual(expected(list));
      }),
    );
  });

  it('adds another store bin for bin, dense into sparse and back', () => {
    fc.assert(
      fc.property(additions(MAX_DENSE_BINS), additions(100), (a, b) => {
        const left = new SketchBins();
        const right = new SketchBins();
        for (const [key, count] of a) left.add(key, count);
        for (const [key, count] of b) right.add(key, count);
        const both = left.copy();
        both.addAll(right);
        right.addAll(left);
        expect(both.entries()).toEqual(expected([...a, ...b]));
        expect(right.entries()).toEqual(expected([...a, ...b]));
      }),
    );
  });

  it('keeps a copy apart from its original', () => {
    const bins = new SketchBins();
    bins.add(3, 1);
    const copy = bins.copy();
    copy.add(3, 1);
    copy.add(-500, 2);
    expect(bins.entries()).toEqual([[3, 1]]);
    expect(copy.entries()).toEqual([
      [-500, 2],
      [3, 2],
    ]);
  });
});
