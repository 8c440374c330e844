import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHalfBits, toHalfBits } from './datatypes.js';

describe('IEEE half precision', () => {
  it('encodes known values to their published bit patterns', () => {
    expect(toHalfBits(1)).toBe(0x3c00);
    expect(toHalfBits(-2)).toBe(0xc000);
    expect(toHalfBits(65504)).toBe(0x7bff); // largest finite half
    expect(toHalfBits(1e6)).toBe(0x7c00); // overflow → +Infinity
    expect(toHalfBits(2 ** -24)).toBe(0x0001); // smallest subnormal
    expect(toHalfBits(0.1)).toBe(0x2e66);
    expect(toHalfBits(Number.NaN) & 0x7c00).toBe(0x7c00);
    expect(toHalfBits(-0)).toBe(0x8000);
  });

  it('decodes every finite half exactly and re-encodes it to the same bits', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      if ((bits & 0x7c00) === 0x7c00) continue; // Inf and NaN
      expect(toHalfBits(fromHalfBits(bits))).toBe(bits);
    }
  });

  it('rounds to the nearest representable half', () => {
    fc.assert(
      fc.property(fc.double({ min: -60000, max: 60000, noNaN: true }), (value) => {
        const rounded = fromHalfBits(toHalfBits(value));
        const bits = toHalfBits(value);
        const neighbours = [fromHalfBits((bits + 1) & 0xffff), fromHalfBits((bits - 1) & 0xffff)].filter(
          Number.isFinite,
        );
        for (const other of neighbours)
          expect(Math.abs(rounded - value)).toBeLessThanOrEqual(Math.abs(other - value));
      }),
    );
  });
});
