import { afterAll, describe, expect, it } from 'vitest';
import { buildRandomMlp } from '../../demo/index.js';
import { OnnxGraphBuilder } from '../../onnx/index.js';
import { OnnxRuntime } from '../onnx/onnx-runtime.js';
import type { RuntimeTensor } from '../runtime.js';
import { WorkerPoolRuntime } from './worker-pool-runtime.js';

const options = { intraOpThreads: 1, interOpThreads: 1, graphOptimizationLevel: 'all' } as const;
const pool = new WorkerPoolRuntime(2);
afterAll(() => pool.close());

const labeller = new OnnxGraphBuilder('label')
  .input('x', 'FP32', ['batch', 2])
  .initializer('names', [2], ['left', 'right'])
  .node('ArgMax', ['x'], ['i'], { axis: 1, keepdims: 0 })
  .node('Gather', ['names', 'i'], ['label'], { axis: 0 })
  .output('i', 'INT64', ['batch'])
  .output('label', 'BYTES', ['batch'])
  .toBytes();

const input = (rows: number, size: number, seed = 1): Record<string, RuntimeTensor> => ({
  input: {
    datatype: 'FP32',
    shape: [rows, size],
    data: Float32Array.from({ length: rows * size }, (_, i) => Math.sin(i * seed)),
  },
});

describe('WorkerPoolRuntime', () => {
  it('gives the same outputs as ONNX Runtime in-process', async () => {
    const bytes = buildRandomMlp({ inputSize: 16, hiddenSizes: [32], outputSize: 4, seed: 3 });
    const pooled = await pool.load(bytes, options);
    const local = await new OnnxRuntime().load(bytes, options);
    const a = await pooled.run(input(5, 16), ['logits']);
    const b = await local.run(input(5, 16), ['logits']);
    expect(a.logits!.shape).toEqual([5, 4]);
    expect(Array.from(a.logits!.data as Float32Array)).toEqual(Array.from(b.logits!.data as Float32Array));
    expect(pooled.concurrency).toBe(2);
    await pooled.release();
    await local.release();
  });

  it('carries INT64 and string outputs back', async () => {
    const session = await pool.load(labeller, options);
    const out = await session.run(
      { x: { datatype: 'FP32', shape: [2, 2], data: new Float32Array([1, 0, 0, 1]) } },
      ['i', 'label'],
    );
    expect(Array.from(out.i!.data as BigInt64Array)).toEqual([0n, 1n]);
    expect(out.label!.data).toEqual(['left', 'right']);
    await session.release();
  });

  it('runs calls in parallel across workers and keeps every answer with its caller', async () => {
    const bytes = buildRandomMlp({ inputSize: 64, hiddenSizes: [128], outputSize: 3, seed: 5 });
    const session = await pool.load(bytes, options);
    const local = await new OnnxRuntime().load(bytes, options);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, seed) => session.run(input(3, 64, seed + 1), ['logits'])),
    );
    for (const [seed, result] of results.entries()) {
      const expected = await local.run(input(3, 64, seed + 1), ['logits']);
      expect(Array.from(result.logits!.data as Float32Array)).toEqual(
        Array.from(expected.logits!.data as Float32Array),
      );
    }
    await session.release();
    await local.release();
  });

  it('reports a runtime error as a rejected run, and keeps working', async () => {
    const session = await pool.load(labeller, options);
    await expect(
      session.run({ x: { datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) } }, ['i']),
    ).rejects.toThrow();
    const out = await session.run(
      { x: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([0, 1]) } },
      ['label'],
    );
    expect(out.label!.data).toEqual(['right']);
    await session.release();
  });

  it('refuses bytes that are not a model', async () => {
    await expect(pool.load(new Uint8Array([1, 2, 3]), options)).rejects.toThrow();
  });
});
