import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import type { PredictionEvent } from '../../serving/index.js';
import { extractRows } from '../features/extract-rows.js';
import { featuresOf } from '../features/feature-spec.js';
import { PredictionStage, stagesOf } from './prediction-stage.js';
import { SegmentBuilder } from './segment-builder.js';

const signature: Signature = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 3], features: ['a', 'b', 'c'] },
    { name: 'flag', datatype: 'BOOL', shape: [-1] },
    { name: 'count', datatype: 'INT64', shape: [-1] },
    { name: 'city', datatype: 'BYTES', shape: [-1] },
  ],
  outputs: [
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 2], labels: ['no', 'yes'] },
    { name: 'label', datatype: 'INT64', shape: [-1] },
  ],
};

const event = (overrides: Partial<PredictionEvent>): PredictionEvent => ({
  model: 'm',
  version: 1,
  signature,
  requestId: 'r',
  caller: 'ann',
  at: Date.UTC(2026, 0, 1),
  inputs: undefined,
  outputs: undefined,
  rows: 1,
  latencyMs: 1,
  status: 'ok',
  ...overrides,
});

describe('SegmentBuilder', () => {
  it('reads every row exactly as extractRows does, whatever the tensors a request has', () => {
    const events = [
      event({
        requestId: 'two-rows',
        rows: 2,
        inputs: {
          x: { datatype: 'FP32', shape: [2, 3], data: new Float32Array([46.1, NaN, 3, 4, 5, 6]) },
          flag: { datatype: 'BOOL', shape: [2], data: new Uint8Array([1, 0]) },
          count: { datatype: 'INT64', shape: [2], data: new BigInt64Array([7n, 8n]) },
          city: { datatype: 'BYTES', shape: [2], data: ['Oslo', 'Lima'] },
        },
        outputs: {
          probabilities: { datatype: 'FP32', shape: [2, 2], data: new Float32Array([0.25, 0.75, 0.5, 0.5]) },
          label: { datatype: 'INT64', shape: [2], data: new BigInt64Array([1n, 0n]) },
        },
      }),
      // Narrower than the signature, no BYTES input, and an output not asked for.
      event({
        requestId: 'narrow',
        inputs: {
          x: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([1.5, 2.5]) },
          flag: { datatype: 'BOOL', shape: [1], data: new Uint8Array([1]) },
          count: { datatype: 'INT64', shape: [1], data: new BigInt64Array([1n]) },
        },
        outputs: { label: { datatype: 'INT64', shape: [1], data: new BigInt64Array([1n]) } },
      }),
      // A failure before any tensor was read.
      event({ requestId: 'failed', status: 'error', code: 'SHAPE_MISMATCH', caller: 'bob' }),
    ];
    const builder = new SegmentBuilder({ config: validateConfig({}), salt: 'salt' });
    const [group, ...others] = builder.toGroups(stagesOf(events));
    expect(others).toEqual([]);
    const { features } = featuresOf(signature);
    const expected = events.flatMap((e) => {
      const rows = extractRows(features, e.inputs, e.outputs);
      if (rows.length === 0) return [{ requestId: e.requestId, features: {}, outputs: {} }];
      return rows.map((row, i) => ({
        requestId: rows.length === 1 ? e.requestId : `${e.requestId}#${i}`,
        features: row.features,
        outputs: row.outputs,
      }));
    });
    expect(
      group!.records.map(({ requestId, features: f, outputs }) => ({ requestId, features: f, outputs })),
    ).toEqual(expected);
    expect(group!.records[0]!.features).toMatchObject({ a: 46.1, b: null, c: 3 });
    expect(group!.records.at(-1)).toMatchObject({ status: 'error', code: 'SHAPE_MISMATCH', caller: 'bob' });
    // FP32 columns are float32, the rest plain values.
    expect(group!.columns.column('a', 'input')?.f32).toBeInstanceOf(Float32Array);
    expect(group!.columns.column('probabilities[yes]', 'output')?.f32).toBeInstanceOf(Float32Array);
    expect(group!.columns.column('city', 'input')?.values).toEqual(['Oslo', 'Lima', null, null]);
  });

  it('reads float32 matrices as extractRows does, whole or request by request, from a new or a reused stage', () => {
    const { features } = featuresOf(signature);
    const request = fc
      .record({
        rows: fc.integer({ min: 0, max: 3 }),
        width: fc.constantFrom(3, 3, 3, 2),
        outputs: fc.boolean(),
        values: fc.array(fc.float(), { minLength: 12, maxLength: 12 }),
      })
      .map(({ rows, width, outputs, values }) =>
        event({
          rows,
          inputs: {
            x: {
              datatype: 'FP32',
              shape: [rows, width],
              data: Float32Array.from(values.slice(0, rows * width)),
            },
          },
          outputs: outputs
            ? {
                probabilities: {
                  datatype: 'FP32',
                  shape: [rows, 2],
                  data: Float32Array.from(values.slice(6, 6 + rows * 2)),
                },
              }
            : undefined,
        }),
      );
    const builder = new SegmentBuilder({ config: validateConfig({}), salt: 'salt' });
    const stage = new PredictionStage('m', 1, signature);
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 40 }), (events) => {
        stage.reset();
        for (const e of events) stage.add(e);
        const expected = events.flatMap((e) => {
          const rows = extractRows(features, e.inputs, e.outputs);
          return rows.length === 0 ? [{ features: {}, outputs: {} }] : rows;
        });
        for (const [group] of [builder.toGroups([stage]), builder.toGroups(stagesOf(events))]) {
          expect(group!.records.map(({ features: f, outputs }) => ({ features: f, outputs }))).toEqual(
            expected,
          );
        }
      }),
    );
  });

  it('reads 1-D tensors as extractRows does, for all requests at once or request by request', () => {
    const { features } = featuresOf(signature);
    const request = fc
      .record({
        rows: fc.integer({ min: 0, max: 3 }),
        city: fc.boolean(),
        label: fc.boolean(),
        flags: fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        counts: fc.array(fc.bigInt({ min: -(2n ** 60n), max: 2n ** 60n }), { minLength: 3, maxLength: 3 }),
        cities: fc.array(fc.constantFrom('Oslo', 'Lima', ''), { minLength: 3, maxLength: 3 }),
      })
      .map(({ rows, city, label, flags, counts, cities }) =>
        event({
          rows,
          inputs: {
            x: { datatype: 'FP32', shape: [rows, 3], data: new Float32Array(rows * 3).fill(0.5) },
            flag: { datatype: 'BOOL', shape: [rows], data: Uint8Array.from(flags.slice(0, rows), Number) },
            count: { datatype: 'INT64', shape: [rows], data: BigInt64Array.from(counts.slice(0, rows)) },
            ...(city ? { city: { datatype: 'BYTES', shape: [rows], data: cities.slice(0, rows) } } : {}),
          },
          outputs: label
            ? { label: { datatype: 'INT64', shape: [rows], data: BigInt64Array.from(counts.slice(0, rows)) } }
            : undefined,
        }),
      );
    const builder = new SegmentBuilder({ config: validateConfig({}), salt: 'salt' });
    fc.assert(
      fc.property(fc.array(request, { minLength: 1, maxLength: 30 }), (events) => {
        const expected = events.flatMap((e) => {
          const rows = extractRows(features, e.inputs, e.outputs);
          return rows.length === 0 ? [{ features: {}, outputs: {} }] : rows;
        });
        const [group] = builder.toGroups(stagesOf(events));
        expect(group!.records.map(({ features: f, outputs }) => ({ features: f, outputs }))).toEqual(
          expected,
        );
      }),
    );
  });

  it('hashes, masks and drops before anything is kept', () => {
    const config = validateConfig({
      monitoring: { redact: { drop: ['a'], hash: ['city'], mask: [{ pattern: '\\d', replacement: '#' }] } },
    });
    const builder = new SegmentBuilder({ config, salt: 'salt' });
    const [group] = builder.toGroups(
      stagesOf([
        event({
          inputs: {
            x: { datatype: 'FP32', shape: [1, 3], data: new Float32Array([1, 2, 3]) },
            city: { datatype: 'BYTES', shape: [1], data: ['Oslo 7'] },
          },
        }),
      ]),
    );
    const record = group!.records[0]!;
    expect(record.features).not.toHaveProperty('a');
    expect(record.features.city).toMatch(/^[0-9a-f]{64}$/);
    expect(group!.columns.column('a', 'input')).toBeUndefined();
    expect(group!.features.map((feature) => feature.name)).not.toContain('city');
  });
});
