import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from './seeded-random.js';
import { stratifiedSplit } from './stratified-split.js';

const labelsArbitrary = fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 200 });
const fractionArbitrary = fc.double({ min: 0, max: 1, noNaN: true });

describe('stratifiedSplit', () => {
  it('puts every row in exactly one of the two sets, each sorted', () => {
    fc.assert(
      fc.property(labelsArbitrary, fractionArbitrary, fc.integer(), (labels, fraction, seed) => {
        const { trainIndices, testIndices } = stratifiedSplit(labels, fraction, mulberry32(seed));
        const all = [...trainIndices, ...testIndices].sort((a, b) => a - b);
        expect(all).toEqual(labels.map((_, row) => row));
        expect(trainIndices).toEqual([...trainIndices].sort((a, b) => a - b));
        expect(testIndices).toEqual([...testIndices].sort((a, b) => a - b));
      }),
    );
  });

  it('holds out round(count × fraction) rows of each class', () => {
    fc.assert(
      fc.property(labelsArbitrary, fractionArbitrary, fc.integer(), (labels, fraction, seed) => {
        const { testIndices } = stratifiedSplit(labels, fraction, mulberry32(seed));
        for (const label of new Set(labels)) {
          const count = labels.filter((value) => value === label).length;
          const held = testIndices.filter((row) => labels[row] === label).length;
          expect(held).toBe(Math.round(count * fraction));
        }
      }),
    );
  });

  it('gives the same split for the same seed', () => {
    const labels = Array.from({ length: 50 }, (_, row) => row % 3);
    expect(stratifiedSplit(labels, 0.2, mulberry32(7))).toEqual(stratifiedSplit(labels, 0.2, mulberry32(7)));
  });

  it('rejects a test fraction outside [0, 1]', () => {
    expect(() => stratifiedSplit([0, 1], 1.5, mulberry32(1))).toThrow(RangeError);
  });
});
