import { describe, expect, it } from 'vitest';
import { FerryError } from '../core/index.js';
import { OnnxGraphBuilder } from '../onnx/index.js';
import type { VersionRecord } from '../registry/index.js';
import { ModelManager, warmupInputs } from './model-manager.js';
import { OnnxRuntime } from './onnx/onnx-runtime.js';

const doubler = new OnnxGraphBuilder('double')
  .input('x', 'FP32', ['batch', 2])
  .initializer('two', [1], new Float32Array([2]))
  .node('Mul', ['x', 'two'], ['y'])
  .output('y', 'FP32', ['batch', 2])
  .toBytes();

/** A graph ONNX Runtime refuses at load time (an operator that does not exist). */
const unloadable = new OnnxGraphBuilder('bad')
  .input('x', 'FP32', [1])
  .node('NoSuchOperator', ['x'], ['y'])
  .output('y', 'FP32', [1])
  .toBytes();

function version(model: string, number: number): VersionRecord {
  return {
    model,
    version: number,
    sha256: '0'.repeat(64),
    sizeBytes: 1,
    format: 'onnx',
    createdAt: '',
    createdBy: '',
    signature: {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
    },
    lineage: {},
    card: null,
    tags: {},
    aliases: [],
    onnx: { irVersion: 8, producer: 'test', opsets: [] },
  };
}

function manager(bytesOf: (v: VersionRecord) => Uint8Array, clock = { now: 0 }) {
  let reads = 0;
  const models = new ModelManager(
    new OnnxRuntime(),
    {
      readArtifact: (v) => {
        reads += 1;
        return Promise.resolve(bytesOf(v));
      },
    },
    {
      session: { intraOpThreads: 1, interOpThreads: 1, graphOptimizationLevel: 'all' },
      warmup: true,
      loadRetryMs: 1000,
      now: () => clock.now,
    },
  );
  return { models, reads: () => reads, clock };
}

describe('ModelManager', () => {
  it('loads a version once, however many callers ask at the same time', async () => {
    const { models, reads } = manager(() => doubler);
    const v = version('m', 1);
    const [a, b] = await Promise.all([models.acquire(v), models.acquire(v)]);
    expect(a).toBe(b);
    expect(reads()).toBe(1);
    expect(models.stateOf('m', 1)?.kind).toBe('ready');
    const out = await a.session.run(
      { x: { datatype: 'FP32', shape: [1, 2], data: new Float32Array([1, 2]) } },
      ['y'],
    );
    expect(Array.from(out.y!.data as Float32Array)).toEqual([2, 4]);
    await models.close();
  });

  it('remembers a failed load, answers MODEL_LOAD_FAILED without retrying until the retry delay passes', async () => {
    const { models, reads, clock } = manager(() => unloadable);
    const v = version('bad', 3);
    const first = await models.acquire(v).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(FerryError);
    expect(first).toMatchObject({
      code: 'MODEL_LOAD_FAILED',
      message: expect.stringMatching(/^model 'bad' version 3 failed to load: .+/),
    });
    await expect(models.acquire(v)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(reads()).toBe(1);
    clock.now = 1001;
    await expect(models.acquire(v)).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    expect(reads()).toBe(2);
    expect(models.stateOf('bad', 3)?.kind).toBe('failed');
  });

  it('keeps serving other versions when one fails', async () => {
    const { models } = manager((v) => (v.model === 'bad' ? unloadable : doubler));
    await expect(models.acquire(version('bad', 1))).rejects.toMatchObject({ code: 'MODEL_LOAD_FAILED' });
    await expect(models.acquire(version('good', 1))).resolves.toBeDefined();
    expect(
      models
        .entries()
        .map((e) => [e.model, e.state.kind])
        .sort(),
    ).toEqual([
      ['bad', 'failed'],
      ['good', 'ready'],
    ]);
    await models.close();
  });

  it('fails the load when the warm-up run fails, naming it', async () => {
    // A signature that disagrees with the graph (INT32 where the graph takes FP32) makes warm-up fail.
    const { models } = manager(() => doubler);
    const wrong = {
      ...version('w', 1),
      signature: {
        inputs: [{ name: 'x', datatype: 'INT32' as const, shape: [-1, 2] }],
        outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [-1, 2] }],
      },
    };
    await expect(models.acquire(wrong)).rejects.toMatchObject({
      message: expect.stringMatching(/warm-up run failed/),
    });
  });

  it('unloads a version so the next request loads it again', async () => {
    const { models, reads } = manager(() => doubler);
    await models.acquire(version('m', 1));
    await models.unload('m', 1);
    expect(models.stateOf('m', 1)).toBeUndefined();
    await models.acquire(version('m', 1));
    expect(reads()).toBe(2);
    await models.close();
  });
});

describe('warmupInputs', () => {
  it('makes zero tensors with dynamic dimensions set to 1', () => {
    const inputs = warmupInputs({
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [-1, 3] },
        { name: 's', datatype: 'BYTES', shape: [2] },
      ],
      outputs: [],
    });
    expect(inputs.a).toEqual({ datatype: 'FP32', shape: [1, 3], data: new Float32Array(3) });
    expect(inputs.s).toEqual({ datatype: 'BYTES', shape: [2], data: ['', ''] });
  });
});
