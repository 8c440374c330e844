import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENGUIN_FEATURES } from '../../../src/demo/index.js';
import { apiCall, expectApiError } from '../../support/management-api.js';
import { getJson, startTestServer, type TestServer } from '../../support/server.js';
import {
  inferPenguins,
  penguinCsv,
  penguinRows,
  pushDemo,
  putReference,
  shifted,
  waitForDrift,
} from './drift-helpers.js';

let server: TestServer;
const rows = penguinRows();
const measurements = rows.map((row) => row.features);
const [BEAK_LENGTH, , FLIPPER_LENGTH] = PENGUIN_FEATURES;
/** One-day windows, and reports over the current and previous window: no test straddles a window end. */
const DAY = 86_400_000;

beforeAll(async () => {
  server = await startTestServer({
    monitoring: { flushIntervalMs: 20, profileFlushIntervalMs: 20, windowMs: DAY },
  });
  for (const name of ['steady', 'shift-one', 'shift-two', 'few', 'no-reference'])
    await pushDemo(server.url, name);
  for (const name of ['steady', 'shift-one', 'shift-two', 'few']) {
    const attached = await putReference(
      server.url,
      name,
      '1',
      penguinCsv(rows),
      'text/csv',
      '?source=penguins.csv',
    );
    expect(attached.status, JSON.stringify(attached.body)).toBe(200);
  }
  await inferPenguins(server.url, 'steady', measurements);
  await inferPenguins(server.url, 'shift-one', shifted(measurements, [3, 0, 0, 0]));
  await inferPenguins(server.url, 'shift-two', shifted(measurements, [3, 0, 3, 0]));
  await inferPenguins(server.url, 'few', measurements.slice(0, 10));
  await inferPenguins(server.url, 'no-reference', measurements);
});

afterAll(async () => {
  await server?.stop();
});

describe('reference profiles', () => {
  it('profile every input column and every output of the model run over the dataset', async () => {
    const reference = await apiCall('GET', `${server.url}/api/v1/models/steady/versions/1/reference`);
    expect(reference.status).toBe(200);
    expect(reference.body).toMatchObject({
      model: 'steady',
      version: 1,
      source: 'penguins.csv',
      digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
      rows: rows.length,
      createdBy: 'anonymous',
      notes: [
        expect.stringContaining(
          'columns ignored (no input feature of the version has their name; outputs are computed by running the model): Species',
        ),
      ],
    });
    expect(Object.keys(reference.body.features)).toEqual([
      ...PENGUIN_FEATURES,
      'probabilities[Adelie]',
      'probabilities[Chinstrap]',
      'probabilities[Gentoo]',
      'class_index',
      'species',
    ]);
    const beak = reference.body.features[BEAK_LENGTH];
    const values = measurements.map((row) => row[0]);
    expect(beak).toMatchObject({
      kind: 'numeric',
      source: 'input',
      count: rows.length,
      missing: 0,
      min: Math.min(...values),
      max: Math.max(...values),
    });
    expect(beak.mean).toBeCloseTo(values.reduce((sum, x) => sum + x, 0) / values.length, 3);
    expect(Object.keys(beak.quantiles)).toEqual([
      'p1',
      'p5',
      'p10',
      'p25',
      'p50',
      'p75',
      'p90',
      'p95',
      'p99',
    ]);
    expect(beak.histogram.edges).toHaveLength(9);
    expect(beak.histogram.counts.reduce((sum: number, x: number) => sum + x, 0)).toBe(rows.length);
    // The species the model predicts: mostly right, so close to the data's own shares.
    const species = reference.body.features.species;
    expect(species).toMatchObject({
      kind: 'categorical',
      source: 'output',
      count: rows.length,
      missing: 0,
      distinct: 3,
    });
    const predicted = Object.fromEntries(species.topK.map((entry: any) => [entry.category, entry.count]));
    const adelie = rows.filter((row) => row.species === 'Adelie').length;
    expect(Math.abs(predicted.Adelie - adelie)).toBeLessThan(rows.length * 0.05);
    expect(reference.body.features['probabilities[Gentoo]']).toMatchObject({
      kind: 'numeric',
      source: 'output',
      count: rows.length,
    });
  });

  it('refuses datasets that miss a feature column, other media types, and answers 404 without a reference', async () => {
    const missing = await putReference(server.url, 'steady', '1', 'Beak Length (mm),Species\n40,Adelie\n');
    expectApiError(
      missing,
      400,
      'INVALID_DATASET',
      "no column for features 'Beak Depth (mm)', 'Flipper Length (mm)', 'Body Mass (g)'",
    );
    const json = await putReference(server.url, 'steady', '1', '{}', 'application/json');
    expectApiError(json, 415, 'UNSUPPORTED_MEDIA_TYPE', 'text/csv');
    const bad = await putReference(
      server.url,
      'steady',
      '1',
      'Beak Length (mm),Beak Depth (mm),Flipper Length (mm),Body Mass (g)\n1,2,x,4\n',
    );
    expectApiError(bad, 400, 'INVALID_DATASET', `line 2, column 'Flipper Length (mm)': "x" is not a number`);
    const none = await apiCall('GET', `${server.url}/api/v1/models/no-reference/versions/1/reference`);
    expectApiError(none, 404, 'REFERENCE_NOT_FOUND', 'ferry monitor reference no-reference:1');
    const ndjson = rows
      .slice(0, 40)
      .map((row) =>
        JSON.stringify(Object.fromEntries(PENGUIN_FEATURES.map((name, j) => [name, row.features[j]]))),
      )
      .join('\n');
    const fromNdjson = await putReference(server.url, 'no-reference', '1', ndjson, 'application/x-ndjson');
    expect(fromNdjson.status, JSON.stringify(fromNdjson.body)).toBe(200);
    expect(fromNdjson.body).toMatchObject({ rows: 40, source: 'reference.ndjson', notes: [] });
    // Put back the state the drift tests expect: no reference for this model.
    await server.driftMonitoring.referenceStore.delete('no-reference', 1);
    server.driftMonitoring.referenceCache.invalidate('no-reference', 1);
  });
});

describe('drift reports', () => {
  it('find no drift when the live data is the reference data', async () => {
    const report = await waitForDrift(server.url, 'steady', rows.length);
    expect(report).toMatchObject({
      model: 'steady',
      version: 1,
      rows: rows.length,
      reference: { rows: rows.length, source: 'penguins.csv' },
      window: { windows: 2 },
      dataset: { driftedFeatures: [], evaluatedFeatures: 4, share: 0, threshold: 0.5, drifted: false },
      verdict: 'no drift',
    });
    for (const name of PENGUIN_FEATURES)
      expect(report.features[name]).toMatchObject({ method: 'ks', drifted: false });
  });

  it('find the feature shifted by 3σ, and decide the dataset by the share of drifted features', async () => {
    const one = await waitForDrift(server.url, 'shift-one', rows.length);
    expect(one.features[BEAK_LENGTH]).toMatchObject({
      kind: 'numeric',
      source: 'input',
      method: 'ks',
      drifted: true,
    });
    expect(one.features[BEAK_LENGTH].pValue).toBeLessThan(1e-6);
    expect(one.features[BEAK_LENGTH].wasserstein).toBeCloseTo(3, 0);
    for (const name of PENGUIN_FEATURES.slice(1)) expect(one.features[name].drifted, name).toBe(false);
    expect(one.dataset).toMatchObject({
      driftedFeatures: [BEAK_LENGTH],
      evaluatedFeatures: 4,
      share: 0.25,
      drifted: false,
    });
    expect(one.verdict).toBe('no drift');
    // Outputs are compared too, but do not count towards the dataset's share.
    expect(one.features.species).toMatchObject({ kind: 'categorical', source: 'output' });

    const two = await waitForDrift(server.url, 'shift-two', rows.length);
    expect(two.dataset).toMatchObject({
      driftedFeatures: [BEAK_LENGTH, FLIPPER_LENGTH],
      share: 0.5,
      drifted: true,
    });
    expect(two.verdict).toBe('drift');
  });

  it('say not enough data under monitoring.minWindowRows, and no reference profile without one', async () => {
    const few = await waitForDrift(server.url, 'few', 10);
    expect(few).toMatchObject({ rows: 10, verdict: 'not enough data', dataset: { drifted: null } });
    const none = await waitForDrift(server.url, 'no-reference', rows.length);
    expect(none).toMatchObject({ verdict: 'no reference profile', reference: null, features: {} });
  });

  it('takes a version by number or alias, a window range, and refuses bad queries', async () => {
    await apiCall('PUT', `${server.url}/api/v1/models/shift-one/aliases/production`, {
      json: { version: 1 },
    });
    const byAlias = await getJson(`${server.url}/api/v1/models/shift-one/drift?version=production&windows=2`);
    expect(byAlias.body).toMatchObject({ version: 1, rows: rows.length });
    const start = new Date(Date.now() - 2 * DAY).toISOString();
    const end = new Date(Date.now() + 1000).toISOString();
    const range = await getJson(`${server.url}/api/v1/models/shift-one/drift?window=${start}/${end}`);
    expect(range.body.rows).toBe(rows.length);
    const past = await getJson(
      `${server.url}/api/v1/models/shift-one/drift?window=2020-01-01T00:00:00Z/2020-01-02T00:00:00Z`,
    );
    expect(past.body).toMatchObject({ rows: 0, verdict: 'not enough data', window: { windows: 1 } });
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/models/shift-one/drift?window=soon`),
      400,
      'INVALID_ARGUMENT',
      'is not current, last',
    );
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/models/shift-one/drift?version=9`),
      404,
      'VERSION_NOT_FOUND',
    );
    expectApiError(await apiCall('GET', `${server.url}/api/v1/models/nope/drift`), 404, 'MODEL_NOT_FOUND');
  });

  it('feed the Prometheus gauges once the current window is reported', async () => {
    const report = await getJson(`${server.url}/api/v1/models/shift-one/drift?window=current`);
    expect(report.status).toBe(200);
    const metrics = await getJson(`${server.url}/metrics`);
    const text: string = metrics.body;
    // A window end between the inference and this test would leave the current window empty (one-day windows: rare).
    if (report.body.rows < 30) return;
    expect(text).toContain('ferry_dataset_drift_share{model="shift-one",version="1"} 0.25');
    expect(text).toContain(`ferry_feature_drifted{model="shift-one",version="1",feature="${BEAK_LENGTH}"} 1`);
    expect(text).toContain(`ferry_feature_drifted{model="shift-one",version="1",feature="Body Mass (g)"} 0`);
    expect(text).toMatch(
      new RegExp(
        `ferry_drift_score\\{model="shift-one",version="1",feature="Beak Length \\(mm\\)",method="ks"\\} [0-9.e-]+`,
      ),
    );
  });

  it('answer the drift.share and drift.feature alert metrics', async () => {
    const window = server.driftMonitoring.drift.currentWindow();
    const share = await server.alerts.metrics.read('shift-one', 'drift.share', window);
    if (share === undefined) return; // the window ended since the inference (see above)
    expect(share).toMatchObject({
      value: 0.25,
      rows: rows.length,
      version: 1,
      details: { driftedFeatures: [BEAK_LENGTH], evaluatedFeatures: 4, drifted: false },
    });
    const feature = await server.alerts.metrics.read('shift-one', 'drift.feature', window, {
      feature: BEAK_LENGTH,
    });
    expect(feature).toMatchObject({
      rows: rows.length,
      version: 1,
      details: { method: 'ks', drifted: true },
    });
    expect(feature?.value).toBeCloseTo(3, 0);
    const steady = await server.alerts.metrics.read('steady', 'drift.feature', window, {
      feature: BEAK_LENGTH,
    });
    expect(steady?.value).toBeLessThan(0.1);
    expect(await server.alerts.metrics.read('few', 'drift.share', window)).toBeUndefined();
    expect(await server.alerts.metrics.read('no-reference', 'drift.share', window)).toBeUndefined();
  });
});
