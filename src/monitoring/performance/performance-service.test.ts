import { describe, expect, it } from 'vitest';
import { linearRegressionModel } from '../../../test/e2e/performance/performance-helpers.js';
import { forEachDialect, type DatabaseFixture } from '../../../test/support/databases.js';
import { createTestRegistry } from '../../../test/support/registries.js';
import { validateConfig } from '../../core/index.js';
import { buildDemoModel } from '../../demo/index.js';
import { FeedbackStore } from '../feedback/feedback-store.js';
import type { PredictionRecord } from '../log/prediction-record.js';
import { PredictionStore } from '../log/prediction-store.js';
import { PerformanceMetricSource } from './performance-metric-source.js';
import { PerformanceService } from './performance-service.js';

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 0, 1);
const window = { start: new Date(BASE), end: new Date(BASE + HOUR) };
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();
const SPECIES = ['Adelie', 'Chinstrap', 'Gentoo'] as const;

const config = validateConfig({
  monitoring: {
    windowMs: HOUR,
    minWindowRows: 5,
    fairnessMinGroupSize: 3,
    overrides: {
      penguins: { sensitiveFeature: 'Body Mass (g)', sliceFeatures: ['species'] },
      price: { sliceFeatures: ['region'] },
    },
  },
});

/** A penguin prediction: the predicted species with probability 0.8, body mass 3000 or 5000 g. */
function penguin(
  id: string,
  seconds: number,
  species: (typeof SPECIES)[number],
  mass: number,
): PredictionRecord {
  return {
    requestId: id,
    at: at(seconds),
    model: 'penguins',
    version: 1,
    features: {
      'Beak Length (mm)': 40,
      'Beak Depth (mm)': 18,
      'Flipper Length (mm)': 200,
      'Body Mass (g)': mass,
    },
    outputs: {
      ...Object.fromEntries(SPECIES.map((s) => [`probabilities[${s}]`, s === species ? 0.8 : 0.1])),
      class_index: String(SPECIES.indexOf(species)),
      species,
    },
    latencyMs: 1,
    status: 'ok',
    caller: 'anonymous',
  };
}

async function setUp(fixture: DatabaseFixture) {
  const { registry } = createTestRegistry(fixture);
  const demo = buildDemoModel();
  await registry.push({ model: 'penguins', artifact: demo.bytes, signature: demo.signature, actor: 'test' });
  await registry.push({ model: 'price', artifact: linearRegressionModel([1, 1], 0), actor: 'test' });
  const predictions = new PredictionStore(fixture.database);
  const feedback = new FeedbackStore(fixture.database);
  const service = new PerformanceService({
    database: fixture.database,
    registry,
    config,
    clock: () => new Date(BASE + HOUR / 2),
  });
  return { registry, predictions, feedback, service };
}

/**
 * Ten penguins, eight with feedback. Heavy (5000 g) penguins: 5 rows, 4 predicted Gentoo;
 * light (3000 g): 5 rows, 1 predicted Gentoo. Feedback: 6 of 8 labels agree with the prediction.
 */
const PENGUINS: [(typeof SPECIES)[number], number, string | null][] = [
  ['Gentoo', 5000, 'Gentoo'],
  ['Gentoo', 5000, 'Gentoo'],
  ['Gentoo', 5000, 'Adelie'],
  ['Gentoo', 5000, null],
  ['Adelie', 5000, 'Adelie'],
  ['Adelie', 3000, 'Adelie'],
  ['Adelie', 3000, 'Chinstrap'],
  ['Chinstrap', 3000, 'Chinstrap'],
  ['Gentoo', 3000, 'Gentoo'],
  ['Adelie', 3000, null],
];

async function seedPenguins(setup: Awaited<ReturnType<typeof setUp>>) {
  await setup.predictions.insert([
    ...PENGUINS.map(([species, mass], i) => penguin(`p-${i}`, 60 + i, species, mass)),
    // Outside the window, and a failed request: neither counts.
    penguin('late', HOUR / 1000 + 5, 'Adelie', 3000),
    { ...penguin('failed', 100, 'Adelie', 3000), status: 'error', code: 'INVALID_TENSOR_DATA', outputs: {} },
  ]);
  await setup.feedback.store(
    PENGUINS.flatMap(([, , label], i) => (label === null ? [] : [{ requestId: `p-${i}`, label }])),
  );
}

describe('PerformanceService', () => {
  forEachDialect((fixture) => {
    it('reports classifier metrics of the current window, sliced by the predicted species', async () => {
      const setup = await setUp(fixture);
      await seedPenguins(setup);
      const report = await setup.service.performance({ model: 'penguins' });
      expect(report).toMatchObject({
        model: 'penguins',
        version: null,
        versions: [1],
        window: { start: window.start.toISOString(), end: window.end.toISOString() },
        task: 'classification',
        prediction: 'species',
        positiveClass: null,
        rows: 10,
        rowsWithFeedback: 8,
        minRows: 5,
        verdict: 'ok',
      });
      expect(report.metrics).toMatchObject({ accuracy: 6 / 8, average: 'macro' });
      // Each row's probability of its true class: 0.8 when right, 0.1 when wrong.
      expect((report.metrics as { logLoss: number }).logLoss).toBeCloseTo(
        -(6 * Math.log(0.8) + 2 * Math.log(0.1)) / 8,
        12,
      );
      expect(report.slices?.[0]?.groups.map((g) => [g.value, g.rows])).toEqual([
        ['Adelie', 3],
        ['Chinstrap', 1],
        ['Gentoo', 4],
      ]);
      const byVersion = await setup.service.performance({
        model: 'penguins',
        version: '1',
        positiveClass: 'Gentoo',
      });
      expect(byVersion).toMatchObject({ version: 1, positiveClass: 'Gentoo' });
      // Gentoo: TP 3, FP 1 (an Adelie), FN 0.
      expect(byVersion.metrics).toMatchObject({ precision: 0.75, recall: 1, average: 'positive class' });
    });

    it('says "not enough data" for a window without feedback, and refuses unknown slices', async () => {
      const setup = await setUp(fixture);
      await seedPenguins(setup);
      const last = await setup.service.performance({ model: 'penguins', window: 'last', slices: [] });
      expect(last).toMatchObject({ rows: 0, rowsWithFeedback: 0, verdict: 'not enough data' });
      expect(last.metrics).toMatchObject({ accuracy: null, f1: null });
      await expect(
        setup.service.performance({ model: 'penguins', slices: ['colour'] }),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining("no feature 'colour'"),
      });
      await expect(setup.service.performance({ model: 'nope' })).rejects.toMatchObject({
        code: 'MODEL_NOT_FOUND',
      });
    });

    it('reports MAE and RMSE of a regressor against feedback values', async () => {
      const setup = await setUp(fixture);
      const pairs = [
        [3, 2.5],
        [-0.5, 0],
        [2, 2],
        [7, 8],
        [1, 1],
      ];
      await setup.predictions.insert(
        pairs.map(([, predicted], i) => ({
          ...penguin(`r-${i}`, 10 + i, 'Adelie', 0),
          model: 'price',
          features: { 'x[0]': i, 'x[1]': 1 },
          outputs: { 'y[0]': predicted! },
        })),
      );
      await setup.feedback.store(pairs.map(([actual], i) => ({ requestId: `r-${i}`, value: actual! })));
      const report = await setup.service.performance({ model: 'price' });
      expect(report).toMatchObject({ task: 'regression', prediction: 'y[0]', rows: 5, rowsWithFeedback: 5 });
      expect(report.metrics).toEqual({ mae: 2 / 5, rmse: Math.sqrt(1.5 / 5) });
      // A configured slice feature the version lacks is skipped with a note, not an error.
      expect(report.slices).toBeUndefined();
      expect(report.notes).toEqual([expect.stringContaining("'region'")]);
    });

    it('reports fairness by body mass, with Gentoo as the favourable class', async () => {
      const setup = await setUp(fixture);
      await seedPenguins(setup);
      await expect(setup.service.fairness({ model: 'penguins' })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('positiveClass'),
      });
      await expect(setup.service.fairness({ model: 'price' })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('no sensitive feature'),
      });
      const view = await setup.service.fairness({ model: 'penguins', positiveClass: 'Gentoo' });
      expect(view).toMatchObject({
        sensitiveFeature: 'Body Mass (g)',
        positiveClass: 'Gentoo',
        rows: 10,
        groups: [
          { group: '3000', rows: 5, selectionRate: 0.2, excluded: false },
          { group: '5000', rows: 5, selectionRate: 0.8, excluded: false },
        ],
        demographicParityRatio: 0.25,
        fourFifthsRuleViolated: true,
        verdict: 'ok',
      });
      expect(view.demographicParityDifference).toBeCloseTo(0.6, 12);
    });

    it('answers alert readings of performance and fairness, or none without enough data', async () => {
      const setup = await setUp(fixture);
      await seedPenguins(setup);
      const source = new PerformanceMetricSource(setup.service);
      expect(await source.read('penguins', 'performance.accuracy', window)).toEqual({
        value: 6 / 8,
        rows: 8,
        version: 1,
        details: { task: 'classification', rows: 10, rowsWithFeedback: 8 },
      });
      expect(await source.read('penguins', 'performance.mae', window)).toBeUndefined();
      // No positive class configured for a three-class model: fairness has no meaning, no reading.
      expect(await source.read('penguins', 'fairness.demographic_parity_ratio', window)).toBeUndefined();
      const earlier = { start: new Date(BASE - HOUR), end: new Date(BASE) };
      expect(await source.read('penguins', 'performance.accuracy', earlier)).toBeUndefined();
    });
  });
});
