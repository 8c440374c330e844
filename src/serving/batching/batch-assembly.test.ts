import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Datatype } from '../../core/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import { concatInputs, rowsOf, sameInnerShapes, splitOutputs, type Tensors } from './batch-assembly.js';

const arrays: Record<string, (n: number, seed: number) => RuntimeTensor['data']> = {
  FP32: (n, s) => Float32Array.from({ length: n }, (_, i) => i + s / 7),
  FP64: (n, s) => Float64Array.from({ length: n }, (_, i) => i * 1.5 + s),
  INT64: (n, s) => BigInt64Array.from({ length: n }, (_, i) => BigInt(i - s)),
  INT32: (n, s) => Int32Array.from({ length: n }, (_, i) => i * s),
  UINT8: (n, s) => Uint8Array.from({ length: n }, (_, i) => (i + s) % 256),
  BOOL: (n, s) => Uint8Array.from({ length: n }, (_, i) => (i + s) % 2),
  BYTES: (n, s) => Array.from({ length: n }, (_, i) => `r${s}-${i}`),
};

/** A request with two inputs of different datatypes, `rows` rows each. */
function request(rows: number, seed: number, a: Datatype, b: Datatype): Tensors {
  return {
    a: { datatype: a, shape: [rows, 3], data: arrays[a]!(rows * 3, seed) },
    b: { datatype: b, shape: [rows], data: arrays[b]!(rows, seed) },
  };
}

const datatype = fc.constantFrom<Datatype>('FP32', 'FP64', 'INT64', 'INT32', 'UINT8', 'BOOL', 'BYTES');

describe('batch assembly', () => {
  it('splitting a concatenated batch gives back each request exactly, for mixed sizes and datatypes', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 1, maxLength: 8 }),
        datatype,
        datatype,
        (rows, a, b) => {
          const requests = rows.map((n, seed) => request(n, seed + 1, a, b));
          const batch = concatInputs(requests);
          const total = rows.reduce((x, y) => x + y, 0);
          expect(rowsOf(batch)).toBe(total);
          expect(batch.a!.shape).toEqual([total, 3]);
          // An identity "model": the batch's inputs are its outputs.
          const parts = splitOutputs(batch, rows);
          expect(parts).toEqual(requests);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('lets a single request through without copying', () => {
    const only = request(2, 1, 'FP32', 'INT64');
    expect(concatInputs([only])).toBe(only);
  });

  it('gives each request its own output buffers', () => {
    const batch = concatInputs([request(1, 1, 'FP32', 'FP32'), request(1, 2, 'FP32', 'FP32')]);
    const [first, second] = splitOutputs(batch, [1, 1]);
    expect((first!.a!.data as Float32Array).buffer).not.toBe((second!.a!.data as Float32Array).buffer);
  });

  it('batches only requests whose shapes agree beyond the first dimension', () => {
    const x = request(2, 1, 'FP32', 'FP32');
    expect(sameInnerShapes(x, request(5, 2, 'FP32', 'FP32'))).toBe(true);
    expect(sameInnerShapes(x, request(2, 1, 'FP64', 'FP32'))).toBe(false);
    const wider = { ...x, a: { ...x.a!, shape: [2, 4] } };
    expect(sameInnerShapes(x, wider)).toBe(false);
  });
});
