import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, pushForm } from '../../support/management-api.js';
import { postJson, startTestServer, type TestServer } from '../../support/server.js';
import {
  accuracyOf,
  featureShifts,
  inLaterPeriod,
  loadSeattleWeather,
  predictWeather,
  trainWinterWeatherModel,
  WEATHER_FEATURES,
  weatherCsv,
  type WeatherDay,
  type WeatherFeature,
  type WinterWeatherModel,
} from './seattle-weather-data.js';
import { startSignedReceiver, type SignedReceiver, type SignedRequest } from './signed-receiver.js';

/**
 * The monitoring scenario on real data: a weather classifier trained on the winters of 2012–2013
 * (Seattle weather, `vega-datasets`) is served by a real Ferry server; held-out winter days, then
 * October days of 2014–2015, are replayed through it with their true weather as feedback. Only the
 * second replay drifts (on the temperatures: rain and wind look like winter's), loses accuracy,
 * fires alerts and asks for retraining with the joined rows.
 *
 * Each replay lands in its own monitoring window (4 s: short windows are for tests and demos).
 */
const MODEL = 'seattle-weather';
const WINDOW_MS = 4000;
const WEBHOOK_SECRET = 'ml-team-webhook-key';
const RETRAIN_SECRET = 'pipeline-key';
const DRIFT_RULE = 'weather-drift';
const ACCURACY_RULE = 'weather-accuracy';
/** Accuracy below which the accuracy rule breaches (the model scores 0.77 on held-out winter days). */
const ACCURACY_FLOOR = 0.6;

const { days, source } = loadSeattleWeather();
const winter: WinterWeatherModel = trainWinterWeatherModel(days, source);
const october = days.filter(inLaterPeriod);
const requestId = (day: WeatherDay) => `seattle-${day.date}`;
const byRequestId = new Map(days.map((day) => [requestId(day), day]));

/** A monitoring window, as the server aligns them (to the Unix epoch). */
interface PhaseWindow {
  readonly start: number;
  readonly end: number;
}

const isoRange = (window: PhaseWindow) =>
  `${new Date(window.start).toISOString()}/${new Date(window.end).toISOString()}`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Wait for a window that starts at or after `notBefore` with at least three quarters of it left
 * (a replay takes well under a second), and return it.
 */
async function phaseWindow(notBefore: number): Promise<PhaseWindow> {
  for (;;) {
    const now = Date.now();
    const start = Math.floor(now / WINDOW_MS) * WINDOW_MS;
    if (start >= notBefore && now - start <= WINDOW_MS / 4) return { start, end: start + WINDOW_MS };
    await sleep(start + WINDOW_MS - now + 5);
  }
}

/** Poll until `check` gives a value; fails after `timeoutMs` with `what`. */
async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await sleep(25);
  }
}

describe('a winter weather model replayed through later seasons', () => {
  let server: TestServer;
  let receiver: SignedReceiver;

  /** One request per day, named after the day; then the day's true weather as feedback. */
  async function replay(list: readonly WeatherDay[], window: PhaseWindow): Promise<void> {
    for (const day of list) {
      const answer = await postJson(
        `${server.url}/v2/models/${MODEL}/infer`,
        { inputs: [{ name: 'features', shape: [1, 4], datatype: 'FP32', data: day.features }] },
        { 'x-request-id': requestId(day) },
      );
      expect(answer.status, JSON.stringify(answer.body)).toBe(200);
    }
    // Feedback joins logged predictions: wait until the log holds every day, all in this window.
    const ids = new Set(list.map(requestId));
    const range = `from=${new Date(window.start).toISOString()}&to=${new Date(window.end).toISOString()}`;
    const logged = await eventually('the replayed days, logged in one window', async () => {
      const page = await apiCall(
        'GET',
        `${server.url}/api/v1/predictions?model=${MODEL}&limit=1000&${range}`,
      );
      const found = (page.body.predictions as any[]).filter((record) => ids.has(record.requestId));
      return found.length === list.length ? found : undefined;
    });
    // The log holds what the TypeScript model predicts, day for day (ONNX Runtime, float32).
    const predictions = predictWeather(winter.model, list);
    const predicted = new Map(list.map((day, i) => [requestId(day), predictions[i]]));
    for (const record of logged) expect(record.outputs.weather).toBe(predicted.get(record.requestId));
    const feedback = await apiCall('POST', `${server.url}/api/v1/feedback`, {
      json: { items: list.map((day) => ({ request_id: requestId(day), label: day.weather })) },
    });
    expect(feedback.status, JSON.stringify(feedback.body)).toBe(200);
    expect(new Set(feedback.body.results.map((result: any) => result.status))).toEqual(new Set(['stored']));
    expect(Date.now(), 'the replay must end inside its window').toBeLessThan(window.end);
  }

  /**
   * The drift report of a window once it counts `rows` predictions (live profiles are written a
   * moment after the log: `monitoring.profileFlushIntervalMs`).
   */
  async function driftOf(window: PhaseWindow, rows: number) {
    return eventually(`a drift report of ${rows} rows`, async () => {
      const report = await apiCall(
        'GET',
        `${server.url}/api/v1/models/${MODEL}/drift?window=${isoRange(window)}`,
      );
      expect(report.status, JSON.stringify(report.body)).toBe(200);
      return report.body.rows === rows ? report.body : undefined;
    });
  }

  async function performanceOf(window: PhaseWindow) {
    const report = await apiCall(
      'GET',
      `${server.url}/api/v1/models/${MODEL}/performance?window=${isoRange(window)}`,
    );
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    return report.body;
  }

  /** The alert states once the evaluator has judged `window` (each window is judged once). */
  async function alertsAfter(window: PhaseWindow): Promise<Record<string, any>> {
    return eventually(`both rules evaluated up to ${isoRange(window)}`, async () => {
      const alerts = (await apiCall('GET', `${server.url}/api/v1/alerts?model=${MODEL}`)).body
        .alerts as any[];
      const judged = alerts.filter((alert) => Date.parse(alert.window.end) === window.end);
      return judged.length === 2 ? Object.fromEntries(judged.map((alert) => [alert.rule, alert])) : undefined;
    });
  }

  /** Ferry's verdict per input feature agrees with the raw-data KS test computed here. */
  function expectDriftAsTheData(
    report: any,
    shifts: Record<WeatherFeature, { statistic: number; pValue: number }>,
  ) {
    for (const feature of WEATHER_FEATURES) {
      const judged = report.features[feature];
      expect(judged, feature).toMatchObject({ kind: 'numeric', source: 'input', method: 'ks' });
      // D over the sketches' 1% bins is D of the values rounded to them: close to the raw one.
      expect(Math.abs(judged.statistic - shifts[feature].statistic), feature).toBeLessThan(0.03);
      expect(judged.drifted, `${feature}: raw p = ${shifts[feature].pValue}`).toBe(
        shifts[feature].pValue < 0.05,
      );
    }
  }

  let winterWindow: PhaseWindow;
  let autumnWindow: PhaseWindow;

  beforeAll(async () => {
    receiver = await startSignedReceiver({ '/hooks/ml': WEBHOOK_SECRET, '/retrain': RETRAIN_SECRET });
    server = await startTestServer({
      monitoring: { windowMs: WINDOW_MS, flushIntervalMs: 20, profileFlushIntervalMs: 20 },
      alerts: {
        evaluateIntervalMs: 100,
        allowLoopbackWebhooks: true,
        rules: [
          {
            name: DRIFT_RULE,
            model: MODEL,
            metric: 'drift.share',
            op: 'above',
            threshold: 0.49,
            severity: 'critical',
            actions: ['webhook:ml', 'retrain'],
          },
          {
            name: ACCURACY_RULE,
            model: MODEL,
            metric: 'performance.accuracy',
            op: 'below',
            threshold: ACCURACY_FLOOR,
            actions: ['webhook:ml'],
          },
        ],
        webhooks: { ml: { url: `${receiver.url}/hooks/ml`, secret: WEBHOOK_SECRET } },
        retrain: { url: `${receiver.url}/retrain`, secret: RETRAIN_SECRET },
      },
    });
    const pushed = await apiCall('POST', `${server.url}/api/v1/models/${MODEL}/versions`, {
      body: pushForm(
        {
          description: 'Weather of a day in Seattle (drizzle, fog, rain, snow, sun) from its measurements.',
          card: winter.card,
          lineage: JSON.stringify(winter.lineage),
          signature: JSON.stringify(winter.signature),
        },
        winter.bytes,
      ),
    });
    expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
    // The reference is the training days; Ferry runs the model over them to profile its outputs too.
    const reference = await apiCall(
      'PUT',
      `${server.url}/api/v1/models/${MODEL}/versions/1/reference?source=winter-2012-2013.csv`,
      { body: weatherCsv(winter.trainDays), headers: { 'content-type': 'text/csv' } },
    );
    expect(reference.status, JSON.stringify(reference.body)).toBe(200);
    expect(reference.body).toMatchObject({ rows: winter.trainDays.length, source: 'winter-2012-2013.csv' });
    expect(Object.keys(reference.body.features)).toEqual(
      expect.arrayContaining([...WEATHER_FEATURES, 'weather', 'probabilities[sun]']),
    );
    // Like a deployment, wait for the version to be loaded before traffic comes.
    await eventually('the model loaded', async () =>
      (await apiCall('GET', `${server.url}/v2/models/${MODEL}/ready`)).status === 200 ? true : undefined,
    );
  });

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('replaying held-out winter days shows no drift, the held-out accuracy, and fires nothing', async () => {
    const shifts = featureShifts(winter.trainDays, winter.heldOutDays);
    // The data: a held-out sample of the same winters differs from the training days in nothing.
    expect(Object.values(shifts).every((shift) => shift.pValue > 0.1)).toBe(true);

    winterWindow = await phaseWindow(0);
    await replay(winter.heldOutDays, winterWindow);

    const drift = await driftOf(winterWindow, winter.heldOutDays.length);
    expect(drift).toMatchObject({ rows: winter.heldOutDays.length, verdict: 'no drift' });
    expect(drift.dataset).toMatchObject({
      driftedFeatures: [],
      evaluatedFeatures: 4,
      share: 0,
      drifted: false,
    });
    expectDriftAsTheData(drift, shifts);

    const performance = await performanceOf(winterWindow);
    expect(performance).toMatchObject({
      verdict: 'ok',
      rows: winter.heldOutDays.length,
      rowsWithFeedback: winter.heldOutDays.length,
    });
    expect(performance.metrics.accuracy).toBeCloseTo(winter.heldOutAccuracy, 12);
    expect(performance.metrics.accuracy).toBeGreaterThan(ACCURACY_FLOOR);

    // The evaluator judged the window clear on both rules: nothing fired, nothing was sent.
    const alerts = await alertsAfter(winterWindow);
    expect(alerts[DRIFT_RULE]).toMatchObject({
      state: 'inactive',
      value: 0,
      rows: winter.heldOutDays.length,
    });
    expect(alerts[ACCURACY_RULE]).toMatchObject({ state: 'inactive', rows: winter.heldOutDays.length });
    expect(alerts[ACCURACY_RULE].value).toBeCloseTo(winter.heldOutAccuracy, 12);
    expect(receiver.accepted).toEqual([]);
    expect(receiver.rejected).toEqual([]);
  });

  it('replaying October days drifts on the temperatures, loses accuracy, and fires signed alerts and a retraining manifest', async () => {
    const shifts = featureShifts(winter.trainDays, october);
    // The data: October is warmer than winter, but its rain and wind are winter's.
    const shifted = WEATHER_FEATURES.filter((feature) => shifts[feature].pValue < 0.05);
    expect(shifted).toEqual(['temp_max', 'temp_min']);
    expect(shifts.precipitation.pValue).toBeGreaterThan(0.05);
    expect(shifts.wind.pValue).toBeGreaterThan(0.05);
    const octoberAccuracy = accuracyOf(winter.model, october);

    autumnWindow = await phaseWindow(winterWindow.end);
    await replay(october, autumnWindow);

    const drift = await driftOf(autumnWindow, october.length);
    expect(drift).toMatchObject({ rows: october.length, verdict: 'drift' });
    expect(drift.dataset).toMatchObject({ driftedFeatures: shifted, evaluatedFeatures: 4, share: 0.5 });
    expectDriftAsTheData(drift, shifts);
    // Shifted by about two winter standard deviations; rain and wind hardly moved.
    for (const feature of shifted) expect(drift.features[feature].wasserstein).toBeGreaterThan(1.5);
    for (const feature of ['precipitation', 'wind'])
      expect(drift.features[feature].wasserstein).toBeLessThan(0.5);

    const performance = await performanceOf(autumnWindow);
    expect(performance).toMatchObject({ verdict: 'ok', rowsWithFeedback: october.length });
    expect(performance.metrics.accuracy).toBeCloseTo(octoberAccuracy, 12);
    expect(performance.metrics.accuracy).toBeLessThan(ACCURACY_FLOOR);
    expect(performance.metrics.accuracy).toBeLessThan(winter.heldOutAccuracy - 0.15);

    // Both rules fire on the window; the receiver checked every signature.
    const alerts = await alertsAfter(autumnWindow);
    expect(alerts[DRIFT_RULE]).toMatchObject({
      state: 'firing',
      value: 0.5,
      rows: october.length,
      version: 1,
    });
    expect(alerts[ACCURACY_RULE]).toMatchObject({ state: 'firing', rows: october.length, version: 1 });
    const firing = (rule: string) => (request: SignedRequest) =>
      request.path === '/hooks/ml' && request.event === 'alert.firing' && request.body.alert.rule === rule;
    const autumn = {
      start: new Date(autumnWindow.start).toISOString(),
      end: new Date(autumnWindow.end).toISOString(),
    };
    const driftNotice = await receiver.waitFor(firing(DRIFT_RULE));
    expect(driftNotice.body.alert).toMatchObject({
      model: MODEL,
      version: 1,
      state: 'firing',
      severity: 'critical',
      metric: 'drift.share',
      op: 'above',
      value: 0.5,
      threshold: 0.49,
      window: autumn,
    });
    const accuracyNotice = await receiver.waitFor(firing(ACCURACY_RULE));
    expect(accuracyNotice.body.alert).toMatchObject({
      metric: 'performance.accuracy',
      op: 'below',
      window: autumn,
    });
    expect(accuracyNotice.body.alert.value).toBeCloseTo(octoberAccuracy, 12);

    // The retraining trigger: a signed manifest naming the readings and an export on the server's disk.
    const retrain = await receiver.waitFor((request) => request.path === '/retrain');
    expect(retrain.event).toBe('retrain.requested');
    const manifest = retrain.body;
    expect(manifest).toMatchObject({
      id: retrain.delivery,
      model: MODEL,
      version: 1,
      rule: DRIFT_RULE,
      severity: 'critical',
      metrics: [{ metric: 'drift.share', value: 0.5, window: autumn, details: { driftedFeatures: shifted } }],
      export: { format: 'ndjson' },
    });
    expect(dirname(manifest.export.path)).toBe(join(server.dataDir, 'exports', manifest.id));
    expect(existsSync(manifest.export.path)).toBe(true);
    expect(JSON.parse(readFileSync(join(dirname(manifest.export.path), 'manifest.json'), 'utf8'))).toEqual(
      manifest,
    );

    // The export holds every replayed day joined with its feedback: features, prediction, truth.
    const records = readFileSync(manifest.export.path, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const replayed = [...winter.heldOutDays, ...october];
    expect(manifest.export.rows).toBe(replayed.length);
    expect(records.map((record) => record.requestId).sort()).toEqual(replayed.map(requestId).sort());
    const predictions = predictWeather(winter.model, replayed);
    const predicted = new Map(replayed.map((day, i) => [requestId(day), predictions[i]]));
    for (const record of records) {
      const day = byRequestId.get(record.requestId)!;
      expect(record).toMatchObject({
        model: MODEL,
        version: 1,
        status: 'ok',
        feedback: { label: day.weather },
      });
      expect(record.outputs.weather).toBe(predicted.get(record.requestId));
      WEATHER_FEATURES.forEach((feature, j) =>
        expect(record.features[feature]).toBeCloseTo(day.features[j]!, 4),
      );
    }

    // Exactly three deliveries: two notifications and one manifest; all recorded as delivered.
    await sleep(300);
    expect(receiver.accepted.map((request) => `${request.path} ${request.event}`).sort()).toEqual([
      '/hooks/ml alert.firing',
      '/hooks/ml alert.firing',
      '/retrain retrain.requested',
    ]);
    expect(receiver.rejected).toEqual([]);
    const events = await eventually('deliveries recorded as delivered', async () => {
      const list = (await apiCall('GET', `${server.url}/api/v1/alerts/events?model=${MODEL}`)).body
        .events as any[];
      const deliveries = list.flatMap((event) => event.deliveries);
      return deliveries.length === 3 && deliveries.every((delivery) => delivery.state === 'delivered')
        ? list
        : undefined;
    });
    expect(events.map((event) => `${event.rule} ${event.from}→${event.to}`).sort()).toEqual([
      `${ACCURACY_RULE} inactive→firing`,
      `${DRIFT_RULE} inactive→firing`,
    ]);
  });
});
