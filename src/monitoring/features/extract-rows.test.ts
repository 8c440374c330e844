import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toHalfBits } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import { extractRows, shortFloat32 } from './extract-rows.js';
import { featuresOf } from './feature-spec.js';

const tensor = (
  datatype: RuntimeTensor['datatype'],
  shape: number[],
  data: RuntimeTensor['data'],
): RuntimeTensor => ({
  datatype,
  shape,
  data,
});

describe('extractRows', () => {
  it('reads a 2-D input with feature names and class scores by label, one row per batch row', () => {
    const signature: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2], features: ['age', 'income'] }],
      outputs: [
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2], labels: ['ok', 'fraud'] },
        { name: 'label', datatype: 'BYTES', shape: [-1] },
      ],
    };
    const rows = extractRows(
      featuresOf(signature).features,
      { x: tensor('FP32', [2, 2], new Float32Array([30, 1000, 41, 2500])) },
      {
        probabilities: tensor('FP32', [2, 2], new Float32Array([0.75, 0.25, 0.5, 0.5])),
        label: tensor('BYTES', [2], ['ok', 'fraud']),
      },
    );
    expect(rows).toEqual([
      {
        features: { age: 30, income: 1000 },
        outputs: { 'probabilities[ok]': 0.75, 'probabilities[fraud]': 0.25, label: 'ok' },
      },
      {
        features: { age: 41, income: 2500 },
        outputs: { 'probabilities[ok]': 0.5, 'probabilities[fraud]': 0.5, label: 'fraud' },
      },
    ]);
  });

  it('reads 1-D inputs of every kind: numbers, INT64, FP16, BYTES and BOOL', () => {
    const signature: Signature = {
      inputs: [
        { name: 'amount', datatype: 'FP64', shape: [-1] },
        { name: 'count', datatype: 'INT64', shape: [-1] },
        { name: 'half', datatype: 'FP16', shape: [-1] },
        { name: 'city', datatype: 'BYTES', shape: [-1] },
        { name: 'member', datatype: 'BOOL', shape: [-1] },
        { name: 'zip', datatype: 'INT32', shape: [-1], featureKinds: ['categorical'] },
      ],
      outputs: [{ name: 'class', datatype: 'INT64', shape: [-1] }],
    };
    const rows = extractRows(
      featuresOf(signature).features,
      {
        amount: tensor('FP64', [2], new Float64Array([1.5, 2.5])),
        count: tensor('INT64', [2], new BigInt64Array([7n, -3n])),
        half: tensor('FP16', [2], new Uint16Array([toHalfBits(0.5), toHalfBits(-2)])),
        city: tensor('BYTES', [2], ['Delft', 'Utrecht']),
        member: tensor('BOOL', [2], new Uint8Array([1, 0])),
        zip: tensor('INT32', [2], new Int32Array([2611, 3511])),
      },
      { class: tensor('INT64', [2], new BigInt64Array([1n, 0n])) },
    );
    expect(rows).toEqual([
      {
        features: { amount: 1.5, count: 7, half: 0.5, city: 'Delft', member: true, zip: '2611' },
        outputs: { class: '1' },
      },
      {
        features: { amount: 2.5, count: -3, half: -2, city: 'Utrecht', member: false, zip: '3511' },
        outputs: { class: '0' },
      },
    ]);
  });

  it('reads NaN and infinities as missing (null), and a missing input tensor as null in every row', () => {
    const signature: Signature = {
      inputs: [
        { name: 'x', datatype: 'FP32', shape: [-1, 2], features: ['a', 'b'] },
        { name: 'y', datatype: 'FP32', shape: [-1] },
      ],
      outputs: [{ name: 'score', datatype: 'FP32', shape: [-1] }],
    };
    const rows = extractRows(
      featuresOf(signature).features,
      { x: tensor('FP32', [2, 2], new Float32Array([Number.NaN, 1, Infinity, 2])) },
      undefined,
    );
    expect(rows).toEqual([
      { features: { a: null, b: 1, y: null }, outputs: {} },
      { features: { a: null, b: 2, y: null }, outputs: {} },
    ]);
  });

  it('leaves out outputs the request did not ask for', () => {
    const signature: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }],
      outputs: [
        { name: 'a', datatype: 'FP32', shape: [-1] },
        { name: 'b', datatype: 'FP32', shape: [-1] },
      ],
    };
    const rows = extractRows(
      featuresOf(signature).features,
      { x: tensor('FP32', [1], new Float32Array([3])) },
      { b: tensor('FP32', [1], new Float32Array([4])) },
    );
    expect(rows).toEqual([{ features: { x: 3 }, outputs: { b: 4 } }]);
  });

  it('reads a 1-D input with feature names as one row of named columns', () => {
    const signature: Signature = {
      inputs: [{ name: 'v', datatype: 'FP32', shape: [3], features: ['r', 'g', 'b'] }],
      outputs: [],
    };
    const rows = extractRows(
      featuresOf(signature).features,
      { v: tensor('FP32', [3], new Float32Array([1, 2, 3])) },
      {},
    );
    expect(rows).toEqual([{ features: { r: 1, g: 2, b: 3 }, outputs: {} }]);
  });

  it('gives no rows when no feature tensor is present', () => {
    expect(extractRows([], {}, {})).toEqual([]);
  });
});

describe('extractRows number forms', () => {
  it('reads FP32 values as the shortest decimal of the same float32', () => {
    const signature: Signature = { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1] }], outputs: [] };
    const data = new Float32Array([46.1, 0.1, 1 / 3, 16777217, 0]);
    const rows = extractRows(
      featuresOf(signature).features,
      { x: { datatype: 'FP32', shape: [5], data } },
      {},
    );
    expect(rows.map((row) => row.features.x)).toEqual([46.1, 0.1, Math.fround(1 / 3), 16777216, 0]);
    for (const [index, row] of rows.entries())
      expect(Math.fround(row.features.x as number)).toBe(data[index]);
  });
});

describe('shortFloat32', () => {
  const byText = (value: number): number => {
    const short = Number(value.toPrecision(7));
    return Math.fround(short) === value ? short : value;
  };

  it('gives exactly what the shortest 7-digit text gives, for every float32', () => {
    fc.assert(
      fc.property(fc.float({ noDefaultInfinity: false }), (value) => {
        expect(Object.is(shortFloat32(value), byText(value)) || Number.isNaN(value)).toBe(true);
      }),
      { numRuns: 20_000 },
    );
    for (const value of [
      46.1, 0.1, -0.1, 1e-7, 9999999.5, 16777216, 3.4e38, 1.17549435e-38, 1e-45, 0.5, 2.5e-5,
    ]) {
      const float = Math.fround(value);
      expect(shortFloat32(float)).toBe(byText(float));
    }
  });
});
