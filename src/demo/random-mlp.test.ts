import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { onnx } from '../onnx/index.js';
import { buildRandomMlp, mlpParameterCount } from './random-mlp.js';

/** Number of elements in all initializers of an ONNX file. */
function storedParameterCount(bytes: Uint8Array): number {
  const model = onnx.ModelProto.decode(bytes);
  return (model.graph?.initializer ?? []).reduce(
    (total, tensor) => total + (tensor.dims ?? []).reduce<number>((size, dim) => size * Number(dim), 1),
    0,
  );
}

describe('buildRandomMlp', () => {
  it('builds the 512→2048→2048→10 benchmark MLP with ≈5.3M parameters that ONNX Runtime runs', async () => {
    const shape = { inputSize: 512, hiddenSizes: [2048, 2048], outputSize: 10 };
    const bytes = buildRandomMlp({ ...shape, seed: 1 });
    expect(mlpParameterCount(shape)).toBe(5_267_466);
    expect(storedParameterCount(bytes)).toBe(5_267_466);

    const session = await ort.InferenceSession.create(bytes);
    const input = new ort.Tensor('float32', new Float32Array(3 * 512).fill(0.5), [3, 512]);
    const { logits } = await session.run({ input });
    await session.release();
    expect(logits!.dims).toEqual([3, 10]);
    expect(Array.from(logits!.data as Float32Array).every(Number.isFinite)).toBe(true);
  });

  it('gives the same bytes for the same seed and different weights for another', () => {
    const options = { inputSize: 4, hiddenSizes: [8], outputSize: 2, seed: 3 };
    expect(Buffer.from(buildRandomMlp(options)).equals(Buffer.from(buildRandomMlp(options)))).toBe(true);
    expect(
      Buffer.from(buildRandomMlp({ ...options, seed: 4 })).equals(Buffer.from(buildRandomMlp(options))),
    ).toBe(false);
  });

  it('builds a single linear layer when there are no hidden layers', async () => {
    const bytes = buildRandomMlp({ inputSize: 3, hiddenSizes: [], outputSize: 2, seed: 1 });
    const session = await ort.InferenceSession.create(bytes);
    const { logits } = await session.run({ input: new ort.Tensor('float32', new Float32Array(3), [1, 3]) });
    await session.release();
    expect(Array.from(logits!.data as Float32Array)).toEqual([0, 0]);
  });

  it('rejects a layer size that is not a positive integer', () => {
    expect(() => mlpParameterCount({ inputSize: 4, hiddenSizes: [0], outputSize: 2 })).toThrow(RangeError);
    expect(() => buildRandomMlp({ inputSize: 4.5, hiddenSizes: [], outputSize: 2, seed: 1 })).toThrow(
      RangeError,
    );
  });
});
