import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { OnnxGraphBuilder } from './onnx-graph-writer.js';
import { readOnnxModel } from './onnx-model-reader.js';

function linearClassifier(): Uint8Array {
  return new OnnxGraphBuilder('linear')
    .input('x', 'FP32', ['batch', 2])
    .initializer('W', [2, 3], new Float32Array([1, 0, -1, 0, 1, 1]))
    .initializer('b', [3], new Float32Array([0.5, 0, 0]))
    .initializer('labels', [3], ['a', 'b', 'c'])
    .node('MatMul', ['x', 'W'], ['logits0'])
    .node('Add', ['logits0', 'b'], ['logits'])
    .node('Softmax', ['logits'], ['probabilities'], { axis: -1 })
    .node('ArgMax', ['logits'], ['index'], { axis: 1, keepdims: 0 })
    .node('Gather', ['labels', 'index'], ['label'], { axis: 0 })
    .output('probabilities', 'FP32', ['batch', 3])
    .output('index', 'INT64', ['batch'])
    .output('label', 'BYTES', ['batch'])
    .toBytes({ metadata: { purpose: 'test' } });
}

describe('OnnxGraphBuilder', () => {
  it('writes a graph that ONNX Runtime runs with the expected numbers', async () => {
    const session = await ort.InferenceSession.create(linearClassifier());
    const x = new ort.Tensor('float32', new Float32Array([1, 2, -3, 0]), [2, 2]);
    const result = await session.run({ x });
    // logits row 0: [1+0.5, 2, -1+2] = [1.5, 2, 1]; row 1: [-3+0.5, 0, 3] = [-2.5, 0, 3]
    expect(Array.from(result.index!.data as BigInt64Array)).toEqual([1n, 2n]);
    expect(result.label!.data).toEqual(['b', 'c']);
    const probabilities = Array.from(result.probabilities!.data as Float32Array);
    const row0 = [1.5, 2, 1].map(Math.exp);
    const sum0 = row0.reduce((a, b) => a + b);
    expect(probabilities[0]).toBeCloseTo(row0[0]! / sum0, 6);
    await session.release();
  });

  it('round-trips its signature through the reader', () => {
    const info = readOnnxModel(linearClassifier());
    expect(info.inputs).toEqual([{ name: 'x', datatype: 'FP32', shape: [-1, 2] }]);
    expect(info.outputs).toEqual([
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      { name: 'index', datatype: 'INT64', shape: [-1] },
      { name: 'label', datatype: 'BYTES', shape: [-1] },
    ]);
    expect(info.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(info.metadata).toEqual({ purpose: 'test' });
    expect(info.externalDataLocations).toEqual([]);
  });
});
