import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Datatype } from '../core/index.js';
import type { FerryError } from '../core/index.js';
import { decodeJsonData, encodeJsonData } from './json-tensor-codec.js';

/** Nest a flat array into the given shape (row-major). */
function nest(flat: unknown[], shape: number[]): unknown {
  if (shape.length <= 1) return flat;
  const [, ...rest] = shape;
  const size = rest.reduce((a, b) => a * b, 1);
  return Array.from({ length: shape[0]! }, (_, i) => nest(flat.slice(i * size, (i + 1) * size), rest));
}

const elementArbitraries: Partial<Record<Datatype, fc.Arbitrary<unknown>>> = {
  BOOL: fc.boolean(),
  UINT8: fc.integer({ min: 0, max: 255 }),
  INT8: fc.integer({ min: -128, max: 127 }),
  UINT16: fc.integer({ min: 0, max: 65535 }),
  INT16: fc.integer({ min: -32768, max: 32767 }),
  UINT32: fc.integer({ min: 0, max: 4294967295 }),
  INT32: fc.integer({ min: -2147483648, max: 2147483647 }),
  INT64: fc.maxSafeInteger(),
  UINT64: fc.maxSafeNat(),
  FP32: fc.float({ noNaN: true, noDefaultInfinity: true }).map(Math.fround),
  FP64: fc.double({ noNaN: true, noDefaultInfinity: true }),
  BYTES: fc.string(),
};

describe('JSON tensor codec', () => {
  for (const [datatype, element] of Object.entries(elementArbitraries) as [
    Datatype,
    fc.Arbitrary<unknown>,
  ][]) {
    it(`round-trips ${datatype} data, flat or nested, through typed storage`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 3 }).chain((shape) =>
            fc.tuple(
              fc.constant(shape),
              fc.array(element, {
                minLength: shape.reduce((a, b) => a * b, 1),
                maxLength: shape.reduce((a, b) => a * b, 1),
              }),
            ),
          ),
          ([shape, flat]) => {
            const fromFlat = decodeJsonData('t', datatype, shape, flat);
            const fromNested = decodeJsonData('t', datatype, shape, nest(flat, shape));
            expect(fromNested).toEqual(fromFlat);
            const back = encodeJsonData({ datatype, shape, data: fromFlat });
            expect(back).toEqual(flat);
          },
        ),
        { numRuns: 60 },
      );
    });
  }

  it('converts FP16 numbers to the nearest half and back', () => {
    const data = decodeJsonData('h', 'FP16', [3], [1, 0.1, 65504]);
    expect(Array.from(data as Uint16Array)).toEqual([0x3c00, 0x2e66, 0x7bff]);
    expect(encodeJsonData({ datatype: 'FP16', shape: [3], data })).toEqual([1, 0.0999755859375, 65504]);
  });

  it.each([
    ['INT8', [128], /128 is outside the range of INT8/],
    ['UINT8', [-1], /-1 is outside the range of UINT8/],
    ['INT32', [1.5], /1.5 is not an integer/],
    ['BOOL', [1], /1 is not a boolean/],
    ['BYTES', [3], /3 is not a string/],
    ['FP32', ['1.0'], /"1.0" is not a number/],
    ['FP16', [70000], /70000 is outside the range of FP16/],
    ['INT64', [2 ** 63], /outside the range of INT64/],
    ['UINT64', [2 ** 64], /outside the range of UINT64/],
    ['UINT64', [-1], /-1 is outside the range of UINT64/],
  ] as const)('rejects a %s element that is not of its type', (datatype, data, message) => {
    expect(() => decodeJsonData('t', datatype, [1], data)).toThrow(message);
  });

  it('counts nested elements when checking the length against the shape', () => {
    expect(() => decodeJsonData('t', 'FP32', [2, 2], [[1, 2], [3]])).toThrowError(
      expect.objectContaining({ code: 'DATA_LENGTH_MISMATCH' }) as FerryError,
    );
  });

  it('rejects data that is not an array', () => {
    expect(() => decodeJsonData('t', 'FP32', [1], 5)).toThrow(/must be a JSON array/);
  });
});
