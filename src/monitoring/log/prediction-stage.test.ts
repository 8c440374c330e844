import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Signature } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import type { PredictionEvent } from '../../serving/index.js';
import { rowCountOf, type NamedTensors } from '../features/extract-rows.js';
import type { FeatureSpec } from '../features/feature-spec.js';
import { PredictionStage } from './prediction-stage.js';

const signature: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
  outputs: [{ name: 'label', datatype: 'BYTES', shape: [-1] }],
};

const event = (overrides: Partial<PredictionEvent> = {}): PredictionEvent => ({
  model: 'm',
  version: 1,
  signature,
  requestId: 'r',
  caller: 'ann',
  at: 1,
  inputs: undefined,
  outputs: undefined,
  rows: 1,
  latencyMs: 1,
  status: 'ok',
  ...overrides,
});

/** Tensor as plain values, to compare what went in with what a stage gives back. */
const plain = (tensors: NamedTensors | undefined) =>
  tensors === undefined
    ? undefined
    : Object.fromEntries(
        Object.entries(tensors).map(([name, tensor]) => [
          name,
          tensor === undefined
            ? undefined
            : {
                datatype: tensor.datatype,
                shape: [...tensor.shape],
                data: Array.from(tensor.data as ArrayLike<unknown>),
              },
        ]),
      );

const rowsAndWidth = fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }));
const f32 = fc.tuple(rowsAndWidth, fc.boolean()).chain(([[rows, width], flat]) =>
  fc
    .array(fc.float({ noDefaultInfinity: true }), { minLength: rows * width, maxLength: rows * width })
    .map((values): RuntimeTensor => ({
      datatype: 'FP32',
      shape: flat ? [rows * width] : [rows, width],
      data: Float32Array.from(values),
    })),
);
const int64 = fc
  .array(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), { minLength: 1, maxLength: 4 })
  .map((values): RuntimeTensor => ({
    datatype: 'INT64',
    shape: [values.length],
    data: BigInt64Array.from(values),
  }));
const text = fc
  .array(fc.constantFrom('Oslo', 'Lima', '', 'Kyiv'), { minLength: 1, maxLength: 4 })
  .map((values): RuntimeTensor => ({ datatype: 'BYTES', shape: [values.length], data: values }));
/** Same name, another element type: kept as it is. */
const fp64 = fc
  .array(fc.double({ noNaN: true }), { minLength: 1, maxLength: 3 })
  .map((values): RuntimeTensor => ({
    datatype: 'FP64',
    shape: [values.length],
    data: Float64Array.from(values),
  }));
const tensors = fc.option(
  fc.record({ x: fc.oneof(f32, fp64), count: int64, city: text }, { requiredKeys: [] }),
  { nil: undefined },
);

/** Features over every tensor the generators make, as columns and as whole tensors, on both sides. */
const FEATURES: readonly FeatureSpec[] = [
  { name: 'x0', kind: 'numeric', source: 'input', tensor: 'x', column: 0 },
  { name: 'x', kind: 'numeric', source: 'input', tensor: 'x', column: null },
  { name: 'count', kind: 'numeric', source: 'input', tensor: 'count', column: null },
  { name: 'city', kind: 'categorical', source: 'input', tensor: 'city', column: 0 },
  { name: 'out-x1', kind: 'numeric', source: 'output', tensor: 'x', column: 1 },
  { name: 'out-city', kind: 'categorical', source: 'output', tensor: 'city', column: null },
];

describe('PredictionStage', () => {
  it('gives back every request as it was handed over, whatever tensors each had', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            inputs: tensors,
            outputs: tensors,
            caller: fc.constantFrom('ann', 'bob'),
            failed: fc.boolean(),
            latency: fc.double({ min: 0, max: 1000, noNaN: true }),
            id: fc.option(fc.string({ unit: 'binary', maxLength: 40 }), { nil: undefined }),
          }),
          { minLength: 1, maxLength: 150 },
        ),
        fc.array(fc.shuffledSubarray([...FEATURES]), { minLength: 1, maxLength: 4 }),
        (requests, featureOrders) => {
          const stage = new PredictionStage('m', 1, signature);
          requests.forEach((request, index) =>
            stage.add(
              event({
                inputs: request.inputs,
                outputs: request.outputs,
                caller: request.caller,
                status: request.failed ? 'error' : 'ok',
                code: request.failed ? 'INTERNAL' : undefined,
                latencyMs: request.latency,
                at: index,
                requestId: request.id,
              }),
            ),
          );
          expect(stage.requests).toBe(requests.length);
          requests.forEach((request, index) => {
            const staged = stage.tensorsOf(index);
            expect(plain(staged.inputs)).toEqual(plain(request.inputs));
            expect(plain(staged.outputs)).toEqual(plain(request.outputs));
            expect(stage.callers[stage.callerOf[index]!]).toBe(request.caller);
            expect(stage.failed[index]).toBe(request.failed ? 1 : 0);
            expect(stage.codes.get(index)).toBe(request.failed ? 'INTERNAL' : undefined);
            expect(stage.latencies[index]).toBe(request.latency);
            expect(stage.times[index]).toBe(index);
            expect(stage.requestId(index)).toBe(request.id);
            // Rows counted from the staged shapes, as rowCountOf counts them on the tensors.
            for (const features of featureOrders) {
              const expected =
                request.inputs === undefined && request.outputs === undefined
                  ? 0
                  : rowCountOf(features, request.inputs, request.outputs);
              expect(stage.rowCount(features, index)).toBe(expected);
            }
          });
        },
      ),
    );
  });

  it('copies the elements: changing the caller’s arrays afterwards changes nothing staged', () => {
    const stage = new PredictionStage('m', 1, signature);
    const data = new Float32Array([1, 2]);
    const labels = ['yes'];
    stage.add(
      event({
        inputs: { x: { datatype: 'FP32', shape: [1, 2], data } },
        outputs: { label: { datatype: 'BYTES', shape: [1], data: labels } },
      }),
    );
    data[0] = 99;
    labels[0] = 'no';
    const staged = stage.tensorsOf(0);
    expect(Array.from(staged.inputs!.x!.data as Float32Array)).toEqual([1, 2]);
    expect(staged.outputs!.label!.data).toEqual(['yes']);
  });

  it('keeps a text tensor of more distinct values than its dictionary holds as it is, and codes the next ones', () => {
    const stage = new PredictionStage('m', 1, signature);
    const many = Array.from({ length: 5000 }, (_, k) => `text ${k}`);
    const wide: RuntimeTensor = { datatype: 'BYTES', shape: [many.length], data: many };
    stage.add(event({ outputs: { label: wide } }));
    stage.add(event({ outputs: { label: { datatype: 'BYTES', shape: [1], data: ['text 1'] } } }));
    expect(stage.tensorsOf(0).outputs!.label).toBe(wide);
    expect(stage.tensorsOf(1).outputs!.label!.data).toEqual(['text 1']);
  });

  it('keeps tensors of rank 0 or above 2 as they are', () => {
    const stage = new PredictionStage('m', 1, signature);
    const cube: RuntimeTensor = { datatype: 'FP32', shape: [1, 2, 2], data: new Float32Array([1, 2, 3, 4]) };
    const scalar: RuntimeTensor = { datatype: 'FP32', shape: [], data: new Float32Array([5]) };
    stage.add(event({ inputs: { x: cube } }));
    stage.add(event({ inputs: { x: scalar } }));
    expect(stage.tensorsOf(0).inputs!.x).toBe(cube);
    expect(stage.tensorsOf(1).inputs!.x).toBe(scalar);
  });

  it('forgets a request whose reading failed half way: the next one takes its place cleanly', () => {
    const stage = new PredictionStage('m', 1, signature);
    const broken = {
      ...event({ inputs: { x: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([1, 2]) } } }),
      // Read after the tensors are copied.
      get code(): undefined {
        throw new Error('unreadable');
      },
    };
    expect(() => stage.add(broken)).toThrow('unreadable');
    expect(stage.requests).toBe(0);
    const y: RuntimeTensor = { datatype: 'FP32', shape: [1], data: new Float32Array([3]) };
    stage.add(event({ inputs: { y } }));
    expect(stage.requests).toBe(1);
    expect(plain(stage.tensorsOf(0).inputs)).toEqual(plain({ y }));
  });
});
