import { describe, expect, it } from 'vitest';
import type { SoftmaxRegressionOptions } from './softmax-regression.js';
import {
  argMax,
  predictClasses,
  predictProbabilities,
  trainSoftmaxRegression,
} from './softmax-regression.js';

const options: SoftmaxRegressionOptions = {
  learningRate: 0.5,
  epochs: 300,
  l2: 0.001,
  seed: 1,
  testFraction: 0.25,
};

/** Three well-separated clusters on very different scales, plus a constant column. */
function clusters(): { features: number[][]; labels: number[] } {
  const features: number[][] = [];
  const labels: number[] = [];
  for (let i = 0; i < 60; i++) {
    const label = i % 3;
    const jitter = ((i * 7919) % 13) / 13 - 0.5;
    features.push([label * 10 + jitter, 1000 - label * 500 + jitter * 50, 5]);
    labels.push(label);
  }
  return { features, labels };
}

describe('trainSoftmaxRegression', () => {
  it('separates clearly separable classes on both sides of the split', () => {
    const { features, labels } = clusters();
    const result = trainSoftmaxRegression(features, labels, 3, options);
    expect(result.trainAccuracy).toBe(1);
    expect(result.heldOutAccuracy).toBe(1);
    expect(result.testIndices).toHaveLength(15);
    expect(result.trainIndices).toHaveLength(45);
  });

  it('logs a loss that falls from ln(classes) and ends at the final epoch', () => {
    const { features, labels } = clusters();
    const { log, finalLoss } = trainSoftmaxRegression(features, labels, 3, options);
    expect(log[0]!.epoch).toBe(0);
    expect(log[0]!.loss).toBeCloseTo(Math.log(3), 12);
    expect(log.at(-1)).toEqual({ epoch: options.epochs, loss: finalLoss });
    for (let i = 1; i < log.length; i++) expect(log[i]!.loss).toBeLessThan(log[i - 1]!.loss);
  });

  it('standardizes with the training rows, leaving a constant column at std 1', () => {
    const { features, labels } = clusters();
    const { model } = trainSoftmaxRegression(features, labels, 3, options);
    expect(model.mean[2]).toBe(5);
    expect(model.std[2]).toBe(1);
  });

  it('is deterministic', () => {
    const { features, labels } = clusters();
    const first = trainSoftmaxRegression(features, labels, 3, options);
    const second = trainSoftmaxRegression(features, labels, 3, options);
    expect(second.model).toEqual(first.model);
    expect(second.log).toEqual(first.log);
  });

  it('rejects features and labels of different lengths', () => {
    expect(() => trainSoftmaxRegression([[1]], [0, 1], 2, options)).toThrow(RangeError);
  });
});

describe('predictProbabilities', () => {
  const model = {
    featureCount: 2,
    classCount: 3,
    mean: new Float32Array([1, 2]),
    std: new Float32Array([2, 4]),
    weights: new Float32Array([1, 0, -1, 0, 1, 1]),
    bias: new Float32Array([0.5, 0, 0]),
  };

  it('computes softmax(((x − mean) / std) · W + b) as float32 values', () => {
    // standardized [3, 6] → [1, 1]; logits [1.5, 1, 0]
    const [probabilities] = predictProbabilities(model, [[3, 6]]);
    const exps = [1.5, 1, 0].map(Math.exp);
    const total = exps.reduce((a, b) => a + b);
    probabilities!.forEach((p, k) => {
      expect(p).toBeCloseTo(exps[k]! / total, 6);
      expect(Math.fround(p)).toBe(p);
    });
    expect(predictClasses(model, [[3, 6]])).toEqual([0]);
  });

  it('gives rows that sum to 1', () => {
    for (const row of predictProbabilities(model, [
      [0, 0],
      [100, -100],
      [-3.5, 7],
    ])) {
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    }
  });
});

describe('argMax', () => {
  it('returns the first index of the largest value, like ONNX ArgMax', () => {
    expect(argMax([0.2, 0.4, 0.4])).toBe(1);
    expect(argMax([3])).toBe(0);
  });
});
