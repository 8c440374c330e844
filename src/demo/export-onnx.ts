import { OnnxGraphBuilder } from '../onnx/index.js';
import type { SoftmaxRegressionModel } from './softmax-regression.js';

/** What the exported graph needs besides the trained parameters. */
export interface SoftmaxRegressionExportOptions {
  /** Graph name written in the file. */
  readonly graphName: string;
  /** One name per class, in the model's class order; the class-name output gathers from these. */
  readonly classNames: readonly string[];
  /** Name of the output holding the most probable class name (default `species`, the demo's). */
  readonly labelOutput?: string;
  /** Key/value pairs written as ONNX metadata. Keep them free of timestamps so bytes stay reproducible. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Export a softmax regression as ONNX. Standardization is part of the graph, so callers send raw
 * measurements:
 *
 * - input `features` FP32 `[batch, featureCount]`
 * - `Sub(mean) → Div(std) → MatMul(W) → Add(b) → Softmax` → output `probabilities` FP32 `[batch, classCount]`
 * - `ArgMax(probabilities, axis=1)` → output `class_index` INT64 `[batch]`
 * - `Gather(class names, class_index)` → output `species` (or `labelOutput`) BYTES `[batch]`
 *
 * The bytes depend only on the arguments: the same training gives the same file.
 */
export function exportSoftmaxRegressionToOnnx(
  model: SoftmaxRegressionModel,
  options: SoftmaxRegressionExportOptions,
): Uint8Array {
  const { featureCount, classCount } = model;
  const labelOutput = options.labelOutput ?? 'species';
  if (options.classNames.length !== classCount) {
    throw new RangeError(`the model has ${classCount} classes but ${options.classNames.length} class names`);
  }
  return new OnnxGraphBuilder(options.graphName)
    .input('features', 'FP32', ['batch', featureCount])
    .initializer('mean', [featureCount], model.mean)
    .initializer('std', [featureCount], model.std)
    .initializer('weights', [featureCount, classCount], model.weights)
    .initializer('bias', [classCount], model.bias)
    .initializer('class_names', [classCount], [...options.classNames])
    .node('Sub', ['features', 'mean'], ['centered'])
    .node('Div', ['centered', 'std'], ['standardized'])
    .node('MatMul', ['standardized', 'weights'], ['weighted'])
    .node('Add', ['weighted', 'bias'], ['logits'])
    .node('Softmax', ['logits'], ['probabilities'], { axis: -1 })
    .node('ArgMax', ['probabilities'], ['class_index'], { axis: 1, keepdims: 0 })
    .node('Gather', ['class_names', 'class_index'], [labelOutput], { axis: 0 })
    .output('probabilities', 'FP32', ['batch', classCount])
    .output('class_index', 'INT64', ['batch'])
    .output(labelOutput, 'BYTES', ['batch'])
    .toBytes({ producerName: 'ferry', metadata: { ...options.metadata } });
}
