import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDemoModel, loadPenguins, PENGUIN_SPECIES } from '../../../src/demo/index.js';
import { expectCliError, expectJson, expectSuccess, ferryCli, type Ferry } from '../../support/cli.js';
import { apiCall, expectApiError, pushForm } from '../../support/management-api.js';
import { getJson, postJson, startTestServer, type TestServer } from '../../support/server.js';
import { linearRegressionModel } from './performance-helpers.js';

const PENGUIN = 'penguin-species';
const HOUR = 3_600_000;

let server: TestServer;
let files: string;
let viaServer: Ferry;
let viaFolder: Ferry;
const started = Date.now();
/** A window around everything this suite logs. */
let window: string;

/** Predicted species by request id (`<id>#<row>`), and the feedback label sent for it. */
const penguins: { id: string; predicted: string; label: string; mass: number }[] = [];
/** Predicted value and the feedback value of each regression row. */
const prices: { predicted: number; actual: number }[] = [];

async function push(model: string, bytes: Uint8Array, signature?: unknown): Promise<void> {
  const fields: Record<string, string> =
    signature === undefined ? {} : { signature: JSON.stringify(signature) };
  const pushed = await apiCall('POST', `${server.url}/api/v1/models/${model}/versions`, {
    body: pushForm(fields, bytes),
  });
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
}

async function sendFeedback(items: unknown[]): Promise<void> {
  const answer = await postJson(`${server.url}/api/v1/feedback`, { items });
  expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  for (const result of answer.body.results) expect(result.status, JSON.stringify(result)).toBe('stored');
}

const performance = (model: string, query: string) =>
  getJson(`${server.url}/api/v1/models/${model}/performance?${query}`);
const fairness = (model: string, query: string) =>
  getJson(`${server.url}/api/v1/models/${model}/fairness?${query}`);

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), 'ferry-performance-'));
  server = await startTestServer({
    monitoring: {
      flushIntervalMs: 20,
      minWindowRows: 10,
      fairnessMinGroupSize: 3,
      overrides: { [PENGUIN]: { sensitiveFeature: 'Body Mass (g)', positiveClass: 'Gentoo' } },
    },
  });
  viaServer = ferryCli(['--server', server.url], { cwd: files });
  viaFolder = ferryCli(['--data-dir', server.dataDir], { cwd: files });
  const demo = buildDemoModel();
  await push(PENGUIN, demo.bytes, demo.signature);
  await push('price', linearRegressionModel([2, 1], 0.5));

  // 40 real penguins of every species, sent as 4 requests of 10 rows (`pen-<r>#<row>`).
  const rows = loadPenguins()
    .rows.filter((_, i) => i % 8 === 0)
    .slice(0, 40);
  for (let request = 0; request < 4; request++) {
    const batch = rows.slice(request * 10, request * 10 + 10);
    const answer = await postJson(
      `${server.url}/v2/models/${PENGUIN}/infer`,
      {
        inputs: [
          {
            name: 'features',
            shape: [batch.length, 4],
            datatype: 'FP32',
            data: batch.flatMap((r) => r.features),
          },
        ],
      },
      { 'x-request-id': `pen-${request}` },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const species: string[] = answer.body.outputs.find((o: any) => o.name === 'species').data;
    species.forEach((predicted, row) => {
      const index = request * 10 + row;
      // Every fourth label is wrong on purpose: another species than the one predicted.
      const wrong = PENGUIN_SPECIES.find((s) => s !== predicted)!;
      penguins.push({
        id: `pen-${request}#${row}`,
        predicted,
        label: index % 4 === 0 ? wrong : predicted,
        mass: batch[row]!.features[3],
      });
    });
  }
  await sendFeedback(penguins.map((p) => ({ request_id: p.id, label: p.label })));

  // 12 regression rows, one per request; feedback is the prediction plus a known error.
  const errors = [1, -1, 2, -2, 0.5, -0.5, 0, 3, -3, 1.5, -1.5, 0.25];
  for (const [i, error] of errors.entries()) {
    const answer = await postJson(
      `${server.url}/v2/models/price/infer`,
      { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [i, 1] }] },
      { 'x-request-id': `price-${i}` },
    );
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const predicted: number = answer.body.outputs[0].data[0];
    prices.push({ predicted, actual: predicted + error });
  }
  await sendFeedback(prices.map((p, i) => ({ request_id: `price-${i}`, value: p.actual })));
  window = `${new Date(started - 60_000).toISOString()}/${new Date(Date.now() + 60_000).toISOString()}`;
});

afterAll(async () => {
  await server?.stop();
  if (files !== undefined) rmSync(files, { recursive: true, force: true });
});

describe('live performance', () => {
  it('reports the accuracy of the demo model as the share of feedback that agrees with it', async () => {
    const answer = await performance(PENGUIN, `window=${window}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const correct = penguins.filter((p) => p.label === p.predicted).length;
    expect(correct).toBe(30);
    expect(answer.body).toMatchObject({
      model: PENGUIN,
      version: null,
      versions: [1],
      task: 'classification',
      prediction: 'species',
      positiveClass: 'Gentoo',
      rows: 40,
      rowsWithFeedback: 40,
      verdict: 'ok',
      metrics: { accuracy: correct / 40, average: 'positive class' },
    });
    const metrics = answer.body.metrics;
    for (const name of ['precision', 'recall', 'f1', 'rocAuc', 'logLoss']) {
      expect(typeof metrics[name], name).toBe('number');
    }
    // Gentoo as the positive class, counted by hand.
    const tp = penguins.filter((p) => p.predicted === 'Gentoo' && p.label === 'Gentoo').length;
    const fp = penguins.filter((p) => p.predicted === 'Gentoo' && p.label !== 'Gentoo').length;
    const fn = penguins.filter((p) => p.predicted !== 'Gentoo' && p.label === 'Gentoo').length;
    expect(metrics.precision).toBeCloseTo(tp / (tp + fp), 12);
    expect(metrics.recall).toBeCloseTo(tp / (tp + fn), 12);
  });

  it('reports by slice: per predicted species, and numeric features in decile buckets', async () => {
    const bySpecies = await performance(PENGUIN, `window=${window}&slice=species`);
    expect(bySpecies.status, JSON.stringify(bySpecies.body)).toBe(200);
    const [slice] = bySpecies.body.slices;
    expect(slice.feature).toBe('species');
    for (const group of slice.groups) {
      const members = penguins.filter((p) => p.predicted === group.value);
      expect(group.rows).toBe(members.length);
      expect(group.metrics.accuracy).toBeCloseTo(
        members.filter((p) => p.label === p.predicted).length / members.length,
        12,
      );
    }
    const byMass = await performance(PENGUIN, `window=${window}&slice=Body%20Mass%20(g)`);
    const buckets = byMass.body.slices[0].groups;
    expect(buckets.length).toBeGreaterThan(5);
    expect(buckets.reduce((sum: number, g: any) => sum + g.rows, 0)).toBe(40);
    expect(buckets[0].bucket).toMatch(/^\[\d+, \d+(\.\d+)?\)$/);
  });

  it('reports MAE and RMSE of a regressor, matching a hand computation', async () => {
    const answer = await performance('price', `window=${window}&version=1`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const errors = prices.map((p) => p.actual - p.predicted);
    expect(answer.body).toMatchObject({
      task: 'regression',
      prediction: 'y[0]',
      version: 1,
      rows: 12,
      verdict: 'ok',
    });
    expect(answer.body.metrics.mae).toBeCloseTo(errors.reduce((s, e) => s + Math.abs(e), 0) / 12, 6);
    expect(answer.body.metrics.rmse).toBeCloseTo(Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / 12), 6);
  });

  it('says "not enough data" for a window without feedback, and aligns the current window', async () => {
    const earlier = `${new Date(started - 2 * HOUR).toISOString()}/${new Date(started - HOUR).toISOString()}`;
    const empty = await performance('price', `window=${earlier}`);
    expect(empty.body).toMatchObject({
      rows: 0,
      rowsWithFeedback: 0,
      verdict: 'not enough data',
      metrics: { mae: null, rmse: null },
    });
    const current = await performance('price', '');
    const start = Date.parse(current.body.window.start);
    expect(start % HOUR).toBe(0);
    expect(Date.parse(current.body.window.end) - start).toBe(HOUR);
    expect(start).toBeLessThanOrEqual(Date.now());
  });

  it('refuses bad requests with a clear message', async () => {
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/models/nope/performance`),
      404,
      'MODEL_NOT_FOUND',
    );
    expectApiError(await performance('price', 'window=yesterday'), 400, 'INVALID_ARGUMENT', /current, last/);
    expectApiError(
      await performance('price', 'slice=colour'),
      400,
      'INVALID_ARGUMENT',
      /no feature 'colour'/,
    );
    expectApiError(await performance('price', 'version=9'), 404, 'VERSION_NOT_FOUND');
    expectApiError(await performance('price', 'colour=red'), 400, 'INVALID_ARGUMENT');
    expectApiError(await fairness('price', ''), 400, 'INVALID_ARGUMENT', /no sensitive feature/);
  });
});

describe('fairness', () => {
  it('compares selection rates of Gentoo across body-mass buckets', async () => {
    const answer = await fairness(PENGUIN, `window=${window}`);
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    const view = answer.body;
    expect(view).toMatchObject({
      sensitiveFeature: 'Body Mass (g)',
      positiveClass: 'Gentoo',
      rows: 40,
      rowsWithFeedback: 40,
      minGroupSize: 3,
      verdict: 'ok',
    });
    expect(view.groups.reduce((sum: number, g: any) => sum + g.rows, 0)).toBe(40);
    const rates = view.groups.filter((g: any) => !g.excluded).map((g: any) => g.selectionRate);
    expect(view.demographicParityDifference).toBeCloseTo(Math.max(...rates) - Math.min(...rates), 12);
    // The lightest penguins are never Gentoo, the heaviest always: parity fails the four-fifths rule.
    expect(view.groups[0].selectionRate).toBe(0);
    expect(view.groups[view.groups.length - 1].selectionRate).toBe(1);
    expect(view.demographicParityRatio).toBe(0);
    expect(view.fourFifthsRuleViolated).toBe(true);
    expect(typeof view.equalizedOddsDifference).toBe('number');
  });
});

describe('alert providers', () => {
  it('read performance and fairness of a window, and nothing for a window without data', async () => {
    const [from, to] = window.split('/') as [string, string];
    const span = { start: new Date(from), end: new Date(to) };
    const accuracy = await server.alerts.metrics.read(PENGUIN, 'performance.accuracy', span);
    expect(accuracy).toMatchObject({ value: 30 / 40, rows: 40, version: 1 });
    const mae = await server.alerts.metrics.read('price', 'performance.mae', span);
    expect(mae?.rows).toBe(12);
    const ratio = await server.alerts.metrics.read(PENGUIN, 'fairness.demographic_parity_ratio', span);
    expect(ratio).toMatchObject({ value: 0, version: 1, details: { sensitiveFeature: 'Body Mass (g)' } });
    const before = { start: new Date(started - 2 * HOUR), end: new Date(started - HOUR) };
    expect(await server.alerts.metrics.read(PENGUIN, 'performance.accuracy', before)).toBeUndefined();
    expect(
      await server.alerts.metrics.read(PENGUIN, 'fairness.demographic_parity_ratio', before),
    ).toBeUndefined();
  });
});

describe('ferry monitor performance|fairness', () => {
  it('prints the same report as the API, from the server and from the data folder', async () => {
    const api = (await performance('price', `window=${window}`)).body;
    expect(
      expectJson(await viaServer('monitor', 'performance', 'price', '--window', window, '--json')),
    ).toEqual(api);
    expect(
      expectJson(await viaFolder('monitor', 'performance', 'price:1', '--window', window, '--json')),
    ).toMatchObject({
      version: 1,
      rows: 12,
      metrics: api.metrics,
    });
  });

  it('prints readable tables', async () => {
    const text = expectSuccess(
      await viaServer('monitor', 'performance', PENGUIN, '--window', window, '--slice', 'species'),
    );
    expect(text).toMatch(
      /task\s+classification \(prediction: species; precision, recall and F1 of class 'Gentoo'\)/,
    );
    expect(text).toMatch(/rows\s+40 logged, 40 with feedback/);
    expect(text).toMatch(/accuracy\s*│\s*0\.75\b/);
    expect(text).toContain('by species');
    const fair = expectSuccess(await viaServer('monitor', 'fairness', PENGUIN, '--window', window));
    expect(fair).toMatch(/four-fifths rule\s+violated/);
    expect(fair).toContain('selection rate');
  });

  it('reports errors as one line', async () => {
    expectCliError(
      await viaServer('monitor', 'fairness', 'price', '--window', window),
      'INVALID_ARGUMENT',
      'no sensitive feature',
    );
    expectCliError(await viaFolder('monitor', 'performance', 'nope'), 'MODEL_NOT_FOUND');
  });
});
