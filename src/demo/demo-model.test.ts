import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { buildDemoModel } from './demo-model.js';
import { loadPenguins, PENGUIN_FEATURES, PENGUIN_SPECIES } from './penguins-dataset.js';
import { PENGUIN_TRAINING_OPTIONS, trainPenguinClassifier } from './train-penguin-classifier.js';

const demo = buildDemoModel();

describe('buildDemoModel', () => {
  it('reaches at least 95% held-out accuracy', () => {
    expect(demo.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(demo.lineage.metrics?.['heldOutAccuracy']).toBe(demo.accuracy);
  });

  it('builds identical bytes every time, so pushing twice finds the same version', () => {
    expect(Buffer.from(buildDemoModel().bytes).equals(Buffer.from(demo.bytes))).toBe(true);
  });

  it('trains well under a second', () => {
    expect(trainPenguinClassifier().trainingMilliseconds).toBeLessThan(1000);
  });

  it('sends a real Gentoo row that ONNX Runtime classifies as Gentoo', async () => {
    const [input] = demo.sampleRequest.inputs;
    expect(input).toMatchObject({ name: 'features', shape: [1, 4], datatype: 'FP32' });
    const isRealGentoo = loadPenguins().rows.some(
      (row) => row.species === 'Gentoo' && row.features.every((value, j) => value === input!.data[j]),
    );
    expect(isRealGentoo).toBe(true);

    const session = await ort.InferenceSession.create(demo.bytes);
    const features = new ort.Tensor('float32', Float32Array.from(input!.data), [...input!.shape]);
    const result = await session.run({ features });
    await session.release();
    expect(result.species!.data).toEqual([demo.sampleExpectedSpecies]);
    expect(demo.sampleExpectedSpecies).toBe('Gentoo');
  });

  it('records the data, code, parameters and metrics as lineage', () => {
    const { source } = loadPenguins();
    expect(demo.lineage.trainingData).toEqual({
      uri: `npm:vega-datasets@${source.packageVersion}/data/penguins.json`,
      digest: `sha256:${source.sha256}`,
    });
    expect(demo.lineage.code).toMatch(/^ferry\/src\/demo/);
    const { learningRate, epochs, l2, seed, testFraction } = PENGUIN_TRAINING_OPTIONS;
    expect(demo.lineage.parameters).toMatchObject({
      learningRate,
      epochs,
      l2,
      seed,
      split: { testFraction },
    });
    expect(demo.lineage.metrics).toMatchObject({ testRows: 69, trainRows: 273 });
  });

  it('names the input columns and output classes in the signature', () => {
    expect(demo.signature.inputs?.['features']?.features).toEqual(PENGUIN_FEATURES);
    expect(demo.signature.outputs?.['probabilities']?.labels).toEqual(PENGUIN_SPECIES);
  });

  it('writes a card whose YAML front matter states the model, data, metrics, use and limits', () => {
    const match = /^---\n([\s\S]*?)\n---\n/.exec(demo.card);
    expect(match).not.toBeNull();
    const frontMatter = parse(match![1]!) as Record<string, unknown>;
    expect(frontMatter).toMatchObject({
      name: 'penguin-species',
      task: 'tabular-classification',
      dataset: { uri: demo.lineage.trainingData?.uri, digest: demo.lineage.trainingData?.digest },
      metrics: { testRows: 69, trainRows: 273 },
    });
    expect(frontMatter['intendedUse']).toEqual(expect.any(String));
    expect(frontMatter['limitations']).toEqual(expect.arrayContaining([expect.any(String)]));
    expect(demo.card).toContain(`${(demo.accuracy * 100).toFixed(1)}%`);
    for (const species of PENGUIN_SPECIES) expect(demo.card).toContain(species);
  });
});
