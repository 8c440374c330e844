import type { Lineage, SignatureOverrides } from '../registry/index.js';
import { exportSoftmaxRegressionToOnnx } from './export-onnx.js';
import { renderPenguinModelCard } from './penguin-model-card.js';
import type { PenguinRow, PenguinSpecies } from './penguins-dataset.js';
import { PENGUIN_FEATURES, PENGUIN_SPECIES } from './penguins-dataset.js';
import { predictClasses } from './softmax-regression.js';
import type { SoftmaxRegressionModel } from './softmax-regression.js';
import { trainPenguinClassifier } from './train-penguin-classifier.js';

/** Name under which Ferry registers and serves the demo model. */
export const DEMO_MODEL_NAME = 'penguin-species';

/** An Open Inference Protocol v2 request body with one FP32 input tensor. */
export interface DemoInferenceRequest {
  readonly inputs: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly datatype: 'FP32';
    readonly data: readonly number[];
  }[];
}

/** Everything needed to push the demo model to the registry and show it working. */
export interface DemoModel {
  readonly name: string;
  /** One-line description for the registry's model record. */
  readonly description: string;
  /** The ONNX file; identical on every build, so pushing twice finds the existing version. */
  readonly bytes: Uint8Array;
  /** Markdown model card with a YAML front matter. */
  readonly card: string;
  readonly lineage: Lineage;
  readonly signature: SignatureOverrides;
  /** A request for one real held-out Gentoo penguin that the model classifies correctly. */
  readonly sampleRequest: DemoInferenceRequest;
  readonly sampleExpectedSpecies: PenguinSpecies;
  /** Held-out accuracy, in [0, 1]. */
  readonly accuracy: number;
}

const SAMPLE_SPECIES: PenguinSpecies = 'Gentoo';

/**
 * Train the penguin species classifier on the bundled Palmer penguins data and package it for the
 * registry: ONNX bytes, model card, lineage, signature names and a sample request. Deterministic
 * and fast (tens of milliseconds).
 */
export function buildDemoModel(): DemoModel {
  const { dataset, training, options } = trainPenguinClassifier();
  const { model, trainIndices, testIndices, trainAccuracy, heldOutAccuracy, finalLoss } = training;
  const { source } = dataset;
  const bytes = exportSoftmaxRegressionToOnnx(model, {
    graphName: DEMO_MODEL_NAME,
    classNames: PENGUIN_SPECIES,
    metadata: { 'ferry.demo': DEMO_MODEL_NAME, 'ferry.training_data': source.uri },
  });
  const metrics = {
    heldOutAccuracy,
    trainAccuracy,
    testRows: testIndices.length,
    trainRows: trainIndices.length,
  };
  const sampleRow = firstCorrectlyClassified(
    model,
    testIndices.map((row) => dataset.rows[row]!),
    SAMPLE_SPECIES,
  );
  return {
    name: DEMO_MODEL_NAME,
    description: 'Penguin species (Adelie, Chinstrap, Gentoo) from beak, flipper and body mass measurements.',
    bytes,
    card: renderPenguinModelCard({
      name: DEMO_MODEL_NAME,
      source,
      completeRows: dataset.rows.length,
      droppedRows: dataset.droppedRows,
      trainRows: metrics.trainRows,
      testRows: metrics.testRows,
      trainAccuracy,
      heldOutAccuracy,
      finalLoss,
      options,
    }),
    lineage: {
      trainingData: { uri: source.uri, digest: `sha256:${source.sha256}` },
      code: 'ferry/src/demo (softmax regression by gradient descent)',
      parameters: {
        learningRate: options.learningRate,
        epochs: options.epochs,
        l2: options.l2,
        seed: options.seed,
        split: { method: 'stratified', by: 'Species', testFraction: options.testFraction },
      },
      metrics,
    },
    signature: {
      inputs: {
        features: {
          features: PENGUIN_FEATURES,
          description:
            'Raw measurements of one penguin per row: beak length and depth, flipper length (mm), body mass (g).',
        },
      },
      outputs: {
        probabilities: { labels: PENGUIN_SPECIES, description: 'Probability of each species.' },
        class_index: { description: 'Index of the most probable species in Adelie, Chinstrap, Gentoo.' },
        species: { description: 'Name of the most probable species.' },
      },
    },
    sampleRequest: {
      inputs: [
        { name: 'features', shape: [1, PENGUIN_FEATURES.length], datatype: 'FP32', data: sampleRow.features },
      ],
    },
    sampleExpectedSpecies: SAMPLE_SPECIES,
    accuracy: heldOutAccuracy,
  };
}

function firstCorrectlyClassified(
  model: SoftmaxRegressionModel,
  rows: readonly PenguinRow[],
  species: PenguinSpecies,
): PenguinRow {
  const candidates = rows.filter((row) => row.species === species);
  const predicted = predictClasses(
    model,
    candidates.map((row) => row.features),
  );
  const index = predicted.findIndex((label) => PENGUIN_SPECIES[label] === species);
  const row = candidates[index];
  if (!row) throw new Error(`the demo model classifies no held-out ${species} correctly; check the training`);
  return row;
}
