import { OnnxGraphBuilder } from '../../src/onnx/onnx-graph-writer.js';
import { onnx } from '../../src/onnx/onnx-types.js';

/**
 * A small real ONNX model: `x` FP32 [batch, features] → MatMul → `y` FP32 [batch, classes].
 * Different seeds give different weights, hence different bytes (and a different sha256).
 */
export function tinyModel(options: { seed?: number; features?: number; classes?: number } = {}): Uint8Array {
  const { seed = 1, features = 3, classes = 2 } = options;
  const weights = Float32Array.from({ length: features * classes }, (_, index) => seed + index / 10);
  return new OnnxGraphBuilder('tiny')
    .input('x', 'FP32', ['batch', features])
    .initializer('W', [features, classes], weights)
    .node('MatMul', ['x', 'W'], ['y'])
    .output('y', 'FP32', ['batch', classes])
    .toBytes();
}

/** The tiny model with its weights moved to external data at `location` (as `onnx.save_model` with external data does). */
export function modelWithExternalData(location: string): Uint8Array {
  const model = onnx.ModelProto.decode(tinyModel());
  const weights = model.graph?.initializer?.[0];
  if (weights === undefined) throw new Error('the tiny model has no initializer');
  weights.rawData = new Uint8Array(0);
  weights.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  weights.externalData = [
    onnx.StringStringEntryProto.create({ key: 'location', value: location }),
    onnx.StringStringEntryProto.create({ key: 'offset', value: '0' }),
    onnx.StringStringEntryProto.create({ key: 'length', value: '24' }),
  ];
  return onnx.ModelProto.encode(model).finish();
}
