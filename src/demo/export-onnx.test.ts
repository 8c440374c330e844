import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnnxModel } from '../onnx/index.js';
import { exportSoftmaxRegressionToOnnx } from './export-onnx.js';
import { PENGUIN_SPECIES } from './penguins-dataset.js';
import { predictClasses, predictProbabilities } from './softmax-regression.js';
import { trainPenguinClassifier } from './train-penguin-classifier.js';

const { dataset, training } = trainPenguinClassifier();
const bytes = exportSoftmaxRegressionToOnnx(training.model, {
  graphName: 'penguins',
  classNames: PENGUIN_SPECIES,
});
const testRows = training.testIndices.map((row) => dataset.rows[row]!.features);

describe('exportSoftmaxRegressionToOnnx', () => {
  let session: ort.InferenceSession;
  beforeAll(async () => {
    session = await ort.InferenceSession.create(bytes);
  });
  afterAll(async () => {
    await session.release();
  });

  it('runs in ONNX Runtime with the same results as the TypeScript forward pass on every test row', async () => {
    const features = new ort.Tensor('float32', Float32Array.from(testRows.flat()), [testRows.length, 4]);
    const result = await session.run({ features });

    expect(result.probabilities!.dims).toEqual([testRows.length, 3]);
    const ortProbabilities = Array.from(result.probabilities!.data as Float32Array);
    const tsProbabilities = predictProbabilities(training.model, testRows).flat();
    expect(ortProbabilities).toHaveLength(tsProbabilities.length);
    ortProbabilities.forEach((p, i) => expect(Math.abs(p - tsProbabilities[i]!)).toBeLessThanOrEqual(1e-5));

    const tsClasses = predictClasses(training.model, testRows);
    expect(Array.from(result.class_index!.data as BigInt64Array, Number)).toEqual(tsClasses);
    expect(result.species!.data).toEqual(tsClasses.map((k) => PENGUIN_SPECIES[k]));
  });

  it('declares the documented inputs and outputs', () => {
    const info = readOnnxModel(bytes);
    expect(info.inputs).toEqual([{ name: 'features', datatype: 'FP32', shape: [-1, 4] }]);
    expect(info.outputs).toEqual([
      { name: 'probabilities', datatype: 'FP32', shape: [-1, 3] },
      { name: 'class_index', datatype: 'INT64', shape: [-1] },
      { name: 'species', datatype: 'BYTES', shape: [-1] },
    ]);
  });

  it('writes identical bytes for the same model and options', () => {
    const again = exportSoftmaxRegressionToOnnx(training.model, {
      graphName: 'penguins',
      classNames: PENGUIN_SPECIES,
    });
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  it('rejects a class-name list that does not match the model', () => {
    expect(() =>
      exportSoftmaxRegressionToOnnx(training.model, { graphName: 'penguins', classNames: ['a', 'b'] }),
    ).toThrow(/3 classes but 2 class names/);
  });
});
