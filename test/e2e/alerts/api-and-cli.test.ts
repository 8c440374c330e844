import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCliError, expectJson, expectSuccess, ferryCli } from '../../support/cli.js';
import { apiCall, expectApiError } from '../../support/management-api.js';
import {
  DialSource,
  eventually,
  startAlertServer,
  startReceiver,
  type AlertTestServer,
  type Receiver,
} from './alert-helpers.js';

const rules = [
  {
    name: 'fraud-errors',
    model: 'fraud',
    metric: 'errors.rate',
    op: 'above',
    threshold: 0.1,
    severity: 'critical',
    actions: ['webhook:ops'],
  },
  {
    name: 'churn-drift',
    model: 'churn',
    metric: 'drift.feature',
    feature: 'age',
    op: 'above',
    threshold: 0.3,
    forWindows: 3,
  },
];

let receiver: Receiver;
let server: AlertTestServer;
let configFile: string;
let workDir: string;
const errors = new DialSource();
const drift = new DialSource();

beforeAll(async () => {
  receiver = await startReceiver();
  const alerts = { allowLoopbackWebhooks: true, rules, webhooks: { ops: { url: receiver.url } } };
  errors.value = 0.5;
  drift.value = 0.4;
  drift.since = new Date();
  server = await startAlertServer(
    { alerts },
    {
      metricProviders: [
        { metrics: ['errors.rate'], source: errors },
        { metrics: ['drift.feature'], source: drift },
      ],
    },
  );
  // fraud fires at once; churn needs 3 windows: stop evaluating while it is pending, so every
  // call below sees the same states.
  await eventually(async () => {
    const states = (await apiCall('GET', `${server.url}/api/v1/alerts`)).body.alerts;
    return states.map((state: any) => state.state).join() === 'pending,firing' ? true : undefined;
  });
  await server.alerts.evaluator.stop();
  await receiver.waitFor(1);
  await eventually(async () => {
    const events = (await apiCall('GET', `${server.url}/api/v1/alerts/events?rule=fraud-errors`)).body.events;
    return events[0]?.deliveries[0]?.state === 'delivered' ? true : undefined;
  });
  workDir = mkdtempSync(join(tmpdir(), 'ferry-alerts-cli-'));
  configFile = join(workDir, 'ferry.yaml');
  writeFileSync(configFile, stringify({ alerts: { ...alerts, evaluateIntervalMs: 100, windowMs: 300 } }));
});

afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  if (workDir !== undefined) rmSync(workDir, { recursive: true, force: true });
});

describe('GET /api/v1/alerts', () => {
  it('lists the current state of each rule per model, with the rule and the last window', async () => {
    const response = await apiCall('GET', `${server.url}/api/v1/alerts`);
    expect(response.status).toBe(200);
    const [churn, fraud] = response.body.alerts;
    expect(fraud).toEqual({
      rule: 'fraud-errors',
      model: 'fraud',
      state: 'firing',
      severity: 'critical',
      metric: 'errors.rate',
      op: 'above',
      threshold: 0.1,
      forWindows: 1,
      value: 0.5,
      rows: 50,
      version: 1,
      breaches: 1,
      since: expect.any(String),
      window: { start: expect.any(String), end: expect.any(String) },
      updatedAt: expect.any(String),
    });
    expect(churn).toMatchObject({
      rule: 'churn-drift',
      model: 'churn',
      state: 'pending',
      feature: 'age',
      forWindows: 3,
      severity: 'warning',
    });
    expect(churn.breaches).toBeGreaterThanOrEqual(1);
    expect(churn.breaches).toBeLessThan(3);
  });

  it('filters by state, model and rule, and refuses an unknown state', async () => {
    const firing = await apiCall('GET', `${server.url}/api/v1/alerts?state=firing`);
    expect(firing.body.alerts.map((alert: any) => alert.rule)).toEqual(['fraud-errors']);
    const churn = await apiCall('GET', `${server.url}/api/v1/alerts?model=churn`);
    expect(churn.body.alerts.map((alert: any) => alert.model)).toEqual(['churn']);
    const none = await apiCall('GET', `${server.url}/api/v1/alerts?rule=fraud-errors&state=resolved`);
    expect(none.body.alerts).toEqual([]);
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/alerts?state=burning`),
      400,
      'INVALID_ARGUMENT',
    );
    expectApiError(await apiCall('GET', `${server.url}/api/v1/alerts?colour=red`), 400, 'INVALID_ARGUMENT');
  });
});

describe('GET /api/v1/alerts/events and /rules', () => {
  it('lists changes newest first with their deliveries, by rule, model and limit', async () => {
    const all = (await apiCall('GET', `${server.url}/api/v1/alerts/events`)).body.events;
    const ids = all.map((event: any) => event.id);
    expect([...ids].sort((a: number, b: number) => b - a)).toEqual(ids);
    const fraud = (await apiCall('GET', `${server.url}/api/v1/alerts/events?rule=fraud-errors`)).body.events;
    expect(fraud).toEqual([
      {
        id: expect.any(Number),
        rule: 'fraud-errors',
        model: 'fraud',
        version: 1,
        from: 'inactive',
        to: 'firing',
        severity: 'critical',
        metric: 'errors.rate',
        op: 'above',
        value: 0.5,
        threshold: 0.1,
        window: { start: expect.any(String), end: expect.any(String) },
        at: expect.any(String),
        deliveries: [expect.objectContaining({ channel: 'webhook:ops', event: 'alert.firing' })],
      },
    ]);
    const churn = (await apiCall('GET', `${server.url}/api/v1/alerts/events?model=churn&limit=1`)).body
      .events;
    expect(churn).toHaveLength(1);
    expect(churn[0]).toMatchObject({
      model: 'churn',
      feature: 'age',
      from: 'inactive',
      to: 'pending',
      deliveries: [],
    });
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/alerts/events?limit=0`),
      400,
      'INVALID_ARGUMENT',
    );
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/alerts/events?limit=5000`),
      400,
      'INVALID_ARGUMENT',
    );
  });

  it('lists the configured rules', async () => {
    const response = await apiCall('GET', `${server.url}/api/v1/alerts/rules`);
    expect(response.status).toBe(200);
    expect(response.body.rules).toEqual([
      {
        name: 'fraud-errors',
        model: 'fraud',
        metric: 'errors.rate',
        op: 'above',
        threshold: 0.1,
        forWindows: 1,
        severity: 'critical',
        actions: ['webhook:ops'],
      },
      {
        name: 'churn-drift',
        model: 'churn',
        metric: 'drift.feature',
        feature: 'age',
        op: 'above',
        threshold: 0.3,
        forWindows: 3,
        severity: 'warning',
        actions: [],
      },
    ]);
  });
});

describe('ferry alerts', () => {
  const modes = () =>
    [
      ['against the server', ferryCli(['--server', server.url], { cwd: workDir })],
      [
        'on the data folder',
        ferryCli(['--data-dir', server.dataDir, '--config', configFile], { cwd: workDir }),
      ],
    ] as const;

  it('lists alert states as JSON and as a table, filtered by state, in both modes', async () => {
    for (const [mode, ferry] of modes()) {
      const api = (await apiCall('GET', `${server.url}/api/v1/alerts?state=firing`)).body.alerts;
      expect(expectJson(await ferry('alerts', 'list', '--state', 'firing', '--json')), mode).toEqual(api);
      const table = expectSuccess(await ferry('alerts', 'list'));
      expect(table, mode).toMatch(/fraud-errors.*fraud.*firing.*critical.*errors\.rate.*0\.5.*above 0\.1/);
      expect(table, mode).toMatch(/churn-drift.*churn.*pending [12]\/3.*drift\.feature\(age\)/);
      expectCliError(
        await ferry('alerts', 'list', '--state', 'burning'),
        'INVALID_ARGUMENT',
        '--state takes',
      );
    }
  });

  it('shows the history newest first, by rule and model, in both modes', async () => {
    for (const [mode, ferry] of modes()) {
      const events = expectJson(await ferry('alerts', 'history', '--rule', 'fraud-errors', '--json'));
      expect(
        events.map((event: any) => `${event.from}→${event.to}`),
        mode,
      ).toEqual(['inactive→firing']);
      expect(events[0].deliveries[0], mode).toMatchObject({ channel: 'webhook:ops', state: 'delivered' });
      const table = expectSuccess(await ferry('alerts', 'history', '--model', 'fraud'));
      expect(table, mode).toMatch(/fraud-errors.*fraud:1.*inactive → firing.*webhook:ops delivered/);
      expect(expectJson(await ferry('alerts', 'history', '--model', 'nobody', '--json')), mode).toEqual([]);
      expectCliError(await ferry('alerts', 'history', '--limit', '0'), 'INVALID_ARGUMENT', '--limit');
    }
  });

  it('lists the rules in both modes', async () => {
    for (const [mode, ferry] of modes()) {
      const listed = expectJson(await ferry('alerts', 'rules', '--json'));
      expect(
        listed.map((rule: any) => rule.name),
        mode,
      ).toEqual(['fraud-errors', 'churn-drift']);
      expect(expectSuccess(await ferry('alerts', 'rules')), mode).toMatch(
        /fraud-errors.*above 0\.1.*webhook:ops/,
      );
    }
  });
});
