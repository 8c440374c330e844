import { stringify } from 'yaml';
import type { PenguinDataSource, PenguinFeature } from './penguins-dataset.js';
import { PENGUIN_FEATURES, PENGUIN_SPECIES } from './penguins-dataset.js';
import type { SoftmaxRegressionOptions } from './softmax-regression.js';

/** The facts a penguin model card states; everything else in the card is fixed text. */
export interface PenguinModelCardFacts {
  readonly name: string;
  readonly source: PenguinDataSource;
  readonly completeRows: number;
  readonly droppedRows: number;
  readonly trainRows: number;
  readonly testRows: number;
  readonly trainAccuracy: number;
  readonly heldOutAccuracy: number;
  readonly finalLoss: number;
  readonly options: SoftmaxRegressionOptions;
}

const FEATURE_MEANINGS: Record<PenguinFeature, string> = {
  'Beak Length (mm)': 'length of the upper bill (culmen), in millimetres',
  'Beak Depth (mm)': 'depth of the upper bill (culmen), in millimetres',
  'Flipper Length (mm)': 'flipper length, in millimetres',
  'Body Mass (g)': 'body mass, in grams',
};

const INTENDED_USE =
  'Demonstrating and smoke-testing Ferry (registry, serving, monitoring) with a small, real, explainable model.';

const LIMITATIONS = [
  'Knows only Adelie, Chinstrap and Gentoo penguins measured on three islands of the Palmer Archipelago (Antarctica), 2007–2009; any other bird still gets one of these three answers.',
  'Trained on a few hundred adult birds; the held-out set is small, so accuracy is known only roughly.',
  'A linear model: it has no notion of out-of-range inputs (for example grams sent as kilograms) and can be confidently wrong on them.',
  'Not for ecological or research decisions.',
];

/** Render the Markdown model card, with its YAML front matter, of a penguin species classifier. */
export function renderPenguinModelCard(facts: PenguinModelCardFacts): string {
  const frontMatter = {
    name: facts.name,
    task: 'tabular-classification',
    dataset: {
      name: 'Palmer penguins',
      uri: facts.source.uri,
      digest: `sha256:${facts.source.sha256}`,
      license: 'CC0-1.0',
      rows: facts.completeRows,
    },
    metrics: {
      heldOutAccuracy: round(facts.heldOutAccuracy),
      trainAccuracy: round(facts.trainAccuracy),
      testRows: facts.testRows,
      trainRows: facts.trainRows,
    },
    intendedUse: INTENDED_USE,
    limitations: LIMITATIONS,
  };
  const heldOutCorrect = Math.round(facts.heldOutAccuracy * facts.testRows);
  return `---
${stringify(frontMatter, { lineWidth: 0 })}---

# ${facts.name}

Tells the species of a penguin (${PENGUIN_SPECIES.join(', ')}) from four body measurements. It is the
model Ferry serves out of the box, trained by Ferry's own TypeScript on the Palmer penguins data
shipped in the \`${facts.source.packageName}\` npm package.

## Inputs

\`features\`: FP32 \`[batch, 4]\`, raw measurements in this column order (the model standardizes them itself):

| # | Column | Meaning |
| --- | --- | --- |
${PENGUIN_FEATURES.map((feature, j) => `| ${j} | ${feature} | ${FEATURE_MEANINGS[feature]} |`).join('\n')}

## Outputs

- \`probabilities\`: FP32 \`[batch, 3]\`, one probability per species in the order ${PENGUIN_SPECIES.join(', ')}.
- \`class_index\`: INT64 \`[batch]\`, index of the most probable species.
- \`species\`: BYTES \`[batch]\`, name of the most probable species.

## Training

${trainingParagraph(facts)}

## Evaluation

- Held-out accuracy: **${formatPercent(facts.heldOutAccuracy)}** (${heldOutCorrect} of ${facts.testRows} penguins).
- Training accuracy: ${formatPercent(facts.trainAccuracy)}.

## Data

Palmer penguins, collected by Dr. Kristen Gorman and the Palmer Station Antarctica LTER, released under
CC0 1.0 (via allisonhorst/palmerpenguins and vega-datasets ${facts.source.packageVersion}).
File sha256: \`${facts.source.sha256}\`.
`;
}

function trainingParagraph(facts: PenguinModelCardFacts): string {
  const { learningRate, epochs, l2, seed, testFraction } = facts.options;
  const trainPercent = Math.round((1 - testFraction) * 100);
  return [
    'Multinomial logistic regression (softmax regression).',
    `Of the ${facts.completeRows + facts.droppedRows} rows in \`${facts.source.path}\`, ${facts.droppedRows} lack measurements and were dropped.`,
    `The remaining ${facts.completeRows} were split ${trainPercent}/${100 - trainPercent}, stratified by species, with a seeded PRNG (seed ${seed}): ${facts.trainRows} training rows, ${facts.testRows} held out.`,
    "Features are standardized with the training rows' mean and standard deviation;",
    `the weights start at zero and take ${epochs} full-batch gradient descent steps (learning rate ${learningRate}) on cross-entropy plus an L2 penalty of ${l2}.`,
    `The final training loss is ${facts.finalLoss.toFixed(4)}.`,
    'Training is deterministic: the same code and data give the same ONNX bytes.',
  ].join('\n');
}

function round(value: number): number {
  return Math.round(value * 10_000) / 10_000;
}

function formatPercent(share: number): string {
  return `${(share * 100).toFixed(1)}%`;
}
