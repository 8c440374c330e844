import { OnnxGraphBuilder } from '../../../src/onnx/onnx-graph-writer.js';

/**
 * A tiny linear regressor y = x · w + b on FP32 `[batch, 2]` inputs, with one output column
 * `y` of shape `[batch, 1]` (monitored as the feature `y[0]`).
 */
export function linearRegressionModel(weights: readonly [number, number], bias: number): Uint8Array {
  return new OnnxGraphBuilder('linear_regression')
    .input('x', 'FP32', ['batch', 2])
    .initializer('W', [2, 1], new Float32Array(weights))
    .initializer('b', [1], new Float32Array([bias]))
    .node('MatMul', ['x', 'W'], ['xw'])
    .node('Add', ['xw', 'b'], ['y'])
    .output('y', 'FP32', ['batch', 1])
    .toBytes({ producerName: 'ferry-tests' });
}
