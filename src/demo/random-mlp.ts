import { OnnxGraphBuilder } from '../onnx/index.js';
import type { RandomSource } from './seeded-random.js';
import { mulberry32 } from './seeded-random.js';

/** Layer sizes of a multilayer perceptron. */
export interface MlpShape {
  readonly inputSize: number;
  /** Width of each hidden layer, in order; may be empty (then the MLP is one linear layer). */
  readonly hiddenSizes: readonly number[];
  readonly outputSize: number;
}

/** Layer sizes and the seed of the weights. */
export interface RandomMlpOptions extends MlpShape {
  readonly seed: number;
}

/** Number of weights and biases of an MLP of this shape (e.g. 512→2048→2048→10: 5,267,466). */
export function mlpParameterCount(shape: MlpShape): number {
  return layerSizes(shape).reduce((total, [fanIn, fanOut]) => total + fanIn * fanOut + fanOut, 0);
}

/**
 * An ONNX multilayer perceptron with seeded random weights, for benchmarks and tests: input `input`
 * FP32 `[batch, inputSize]`, `MatMul → Add → Relu` per hidden layer, a final `MatMul → Add`, output
 * `logits` FP32 `[batch, outputSize]`. Weights are He-uniform (±√(6 / fan-in)), biases zero; the same
 * options give the same bytes.
 */
export function buildRandomMlp(options: RandomMlpOptions): Uint8Array {
  const random = mulberry32(options.seed);
  const layers = layerSizes(options);
  const builder = new OnnxGraphBuilder('random_mlp').input('input', 'FP32', ['batch', options.inputSize]);
  let activation = 'input';
  layers.forEach(([fanIn, fanOut], layer) => {
    const isLast = layer === layers.length - 1;
    const output = isLast ? 'logits' : `hidden_${layer}`;
    const linear = isLast ? output : `${output}_linear`;
    builder
      .initializer(`weight_${layer}`, [fanIn, fanOut], heUniform(fanIn, fanOut, random))
      .initializer(`bias_${layer}`, [fanOut], new Float32Array(fanOut))
      .node('MatMul', [activation, `weight_${layer}`], [`${output}_weighted`])
      .node('Add', [`${output}_weighted`, `bias_${layer}`], [linear]);
    if (!isLast) builder.node('Relu', [linear], [output]);
    activation = output;
  });
  return builder.output('logits', 'FP32', ['batch', options.outputSize]).toBytes({ producerName: 'ferry' });
}

/** `[fanIn, fanOut]` of each layer, after checking every size is a positive integer. */
function layerSizes(shape: MlpShape): [number, number][] {
  const sizes = [shape.inputSize, ...shape.hiddenSizes, shape.outputSize];
  for (const size of sizes) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`MLP layer sizes must be positive integers, got ${sizes.join('→')}`);
    }
  }
  return sizes.slice(1).map((fanOut, i) => [sizes[i]!, fanOut]);
}

function heUniform(fanIn: number, fanOut: number, random: RandomSource): Float32Array {
  const limit = Math.sqrt(6 / fanIn);
  const weights = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < weights.length; i++) weights[i] = (random() * 2 - 1) * limit;
  return weights;
}
