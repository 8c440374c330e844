import { OnnxGraphBuilder } from '../../src/onnx/onnx-graph-writer.js';

/**
 * A tiny linear model y = x · (scale · I₃) + offset on FP32 [-1, 3] inputs, so tests can tell
 * versions apart by their outputs (scale 1 vs scale 2).
 */
export function scaleModel(scale: number, offset = 0): Uint8Array {
  const weights = new Float32Array(9);
  for (let i = 0; i < 3; i++) weights[i * 4] = scale;
  return new OnnxGraphBuilder(`scale_${scale}`)
    .input('x', 'FP32', ['batch', 3])
    .initializer('W', [3, 3], weights)
    .initializer('b', [3], new Float32Array([offset, offset, offset]))
    .node('MatMul', ['x', 'W'], ['xw'])
    .node('Add', ['xw', 'b'], ['y'])
    .node('ReduceSum', ['y'], ['total'], { keepdims: 0 })
    .output('y', 'FP32', ['batch', 3])
    .output('total', 'FP32', [])
    .toBytes({ producerName: 'ferry-tests' });
}

/** A model with one input of each integer, boolean and string kind, echoing them through Identity. */
export function echoModel(): Uint8Array {
  return new OnnxGraphBuilder('echo')
    .input('i64', 'INT64', ['batch', 2])
    .input('flag', 'BOOL', ['batch'])
    .input('text', 'BYTES', ['batch'])
    .input('u8', 'UINT8', [2, 2])
    .node('Identity', ['i64'], ['i64_out'])
    .node('Not', ['flag'], ['flag_out'])
    .node('Identity', ['text'], ['text_out'])
    .node('Identity', ['u8'], ['u8_out'])
    .output('i64_out', 'INT64', ['batch', 2])
    .output('flag_out', 'BOOL', ['batch'])
    .output('text_out', 'BYTES', ['batch'])
    .output('u8_out', 'UINT8', [2, 2])
    .toBytes({ producerName: 'ferry-tests' });
}

/** y = k · x on FP32 [-1, 3]: every input and output has a batch dimension, so it batches. */
export function rowScaleModel(scale: number): Uint8Array {
  return new OnnxGraphBuilder(`row_scale_${scale}`)
    .input('x', 'FP32', ['batch', 3])
    .initializer('k', [1], new Float32Array([scale]))
    .node('Mul', ['x', 'k'], ['y'])
    .output('y', 'FP32', ['batch', 3])
    .toBytes({ producerName: 'ferry-tests' });
}

/** c = a + b on FP32 [-1, 2] inputs: two batched inputs that must agree on their rows. */
export function addModel(): Uint8Array {
  return new OnnxGraphBuilder('add')
    .input('a', 'FP32', ['batch', 2])
    .input('b', 'FP32', ['batch', 2])
    .node('Add', ['a', 'b'], ['c'])
    .output('c', 'FP32', ['batch', 2])
    .toBytes({ producerName: 'ferry-tests' });
}
