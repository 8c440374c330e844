import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall } from '../../support/management-api.js';
import { scaleModel } from '../../support/models.js';
import { postJson, pushRaw } from '../../support/server.js';
import {
  DialSource,
  eventually,
  expectedSignature,
  startAlertServer,
  startReceiver,
  type AlertTestServer,
  type Receiver,
} from './alert-helpers.js';

const rule = {
  name: 'scale-drift',
  model: 'scale',
  metric: 'drift.share',
  op: 'above',
  threshold: 0.5,
  forWindows: 1,
  severity: 'critical',
  actions: ['retrain'],
};

/** Push the scale model, serve `count` one-row predictions and give feedback to the even ones. */
async function seedPredictions(server: AlertTestServer, count: number): Promise<void> {
  expect((await pushRaw(server.url, 'scale', scaleModel(2), '?alias=production')).status).toBe(201);
  for (let i = 0; i < count; i++) {
    const response = await postJson(
      `${server.url}/v2/models/scale/infer`,
      { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [i, 1, 2] }] },
      { 'x-request-id': `train-${i}` },
    );
    expect(response.status).toBe(200);
  }
  // Feedback joins logged predictions: wait for the log to write them.
  await eventually(async () => {
    const page = await apiCall('GET', `${server.url}/api/v1/predictions?model=scale&limit=1000`);
    return page.body.predictions?.length === count ? true : undefined;
  });
  const items = Array.from({ length: count }, (_, i) => i)
    .filter((i) => i % 2 === 0)
    .map((i) => ({ request_id: `train-${i}`, value: i * 2 + 6 }));
  const feedback = await apiCall('POST', `${server.url}/api/v1/feedback`, { json: { items } });
  expect(feedback.status, JSON.stringify(feedback.body)).toBe(200);
}

function expectExport(manifest: any, server: AlertTestServer, rows: number): any[] {
  expect(manifest.export).toMatchObject({ format: 'ndjson', rows });
  expect(manifest.export.path.startsWith(join(server.dataDir, 'exports', manifest.id))).toBe(true);
  const lines = readFileSync(manifest.export.path, 'utf8').trim().split('\n');
  const records = lines.map((line) => JSON.parse(line));
  expect(records).toHaveLength(rows);
  return records;
}

describe('the retraining trigger posting to a pipeline URL', () => {
  let receiver: Receiver;
  let server: AlertTestServer;
  const source = new DialSource();

  beforeAll(async () => {
    receiver = await startReceiver();
    server = await startAlertServer(
      {
        alerts: {
          allowLoopbackWebhooks: true,
          rules: [rule],
          retrain: { url: receiver.url, secret: 'pipeline-key', exportRows: 3 },
        },
      },
      { metricProviders: [{ metrics: ['drift.share'], source }] },
    );
    await seedPredictions(server, 8);
  });

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
  });

  it('POSTs a signed manifest with the readings that fired and an NDJSON export of predictions with feedback', async () => {
    source.value = 0.8;
    const [request] = await receiver.waitFor(1);
    expect(request!.headers['x-ferry-event']).toBe('retrain.requested');
    expect(request!.headers['x-ferry-signature']).toBe(expectedSignature('pipeline-key', request!.raw));
    const manifest = request!.body;
    expect(manifest).toMatchObject({
      id: request!.headers['x-ferry-delivery'],
      model: 'scale',
      version: 1,
      rule: 'scale-drift',
      severity: 'critical',
      reason: "rule 'scale-drift': drift.share 0.8 above 0.5",
      metrics: [
        {
          metric: 'drift.share',
          op: 'above',
          threshold: 0.5,
          value: 0.8,
          rows: 50,
          details: { dial: 0.8 },
          window: { start: expect.any(String), end: expect.any(String) },
        },
      ],
      window: { start: expect.any(String), end: expect.any(String) },
      createdAt: expect.any(String),
    });
    // The newest 3 of the 4 predictions with feedback, oldest first.
    const records = expectExport(manifest, server, 3);
    expect(records.map((record) => record.requestId)).toEqual(['train-2', 'train-4', 'train-6']);
    expect(records[0]).toMatchObject({
      model: 'scale',
      version: 1,
      status: 'ok',
      feedback: { value: 10 },
    });
    expect(Object.keys(records[0].features).length).toBeGreaterThan(0);
    expect(
      JSON.parse(readFileSync(join(server.dataDir, 'exports', manifest.id, 'manifest.json'), 'utf8')),
    ).toEqual(manifest);
    const history = await eventually(async () => {
      const events = (await apiCall('GET', `${server.url}/api/v1/alerts/events?model=scale`)).body.events;
      return events[0]?.deliveries[0]?.state === 'delivered' ? events : undefined;
    });
    expect(history[0].deliveries[0]).toMatchObject({
      channel: 'retrain',
      event: 'alert.firing',
      outcome: 'HTTP 200',
    });
  });

  it('does not trigger again while the alert keeps firing, nor when it resolves', async () => {
    await new Promise((resolve) => setTimeout(resolve, 800));
    source.value = 0.1;
    await eventually(async () => {
      const states = (await apiCall('GET', `${server.url}/api/v1/alerts`)).body.alerts;
      return states[0]?.state === 'resolved' || states[0]?.state === 'inactive' ? true : undefined;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(receiver.received).toHaveLength(1);
  });
});

describe('the retraining trigger running a command', () => {
  let server: AlertTestServer;
  const source = new DialSource();
  let seen: string;

  beforeAll(async () => {
    seen = join(mkdtempSync(join(tmpdir(), 'ferry-retrain-seen-')), 'seen.txt');
    // The pipeline stand-in: appends the manifest path it was given to a file.
    const script = `require('fs').appendFileSync(${JSON.stringify(seen)}, process.argv[1] + '\\n')`;
    server = await startAlertServer(
      {
        alerts: {
          rules: [rule],
          retrain: { command: [process.execPath, '-e', script], exportRows: 100 },
        },
      },
      { metricProviders: [{ metrics: ['drift.share'], source }] },
    );
    await seedPredictions(server, 5);
  });

  afterAll(async () => {
    await server?.stop();
    rmSync(dirname(seen), { recursive: true, force: true });
  });

  it('runs the command with the manifest path as its last argument and records exit code 0', async () => {
    source.value = 0.9;
    const path = await eventually(() =>
      Promise.resolve(existsSync(seen) ? readFileSync(seen, 'utf8').trim().split('\n')[0] : undefined),
    );
    expect(path).toMatch(
      new RegExp(
        `^${join(server.dataDir, 'exports').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/[0-9a-f-]{36}/manifest\\.json$`,
      ),
    );
    const manifest = JSON.parse(readFileSync(path, 'utf8'));
    expect(manifest).toMatchObject({ model: 'scale', rule: 'scale-drift', metrics: [{ value: 0.9 }] });
    const records = expectExport(manifest, server, 3);
    expect(records.map((record) => record.requestId)).toEqual(['train-0', 'train-2', 'train-4']);
    const delivery = await eventually(async () => {
      const events = (await apiCall('GET', `${server.url}/api/v1/alerts/events`)).body.events;
      const found = events.find((event: any) => event.to === 'firing')?.deliveries[0];
      return found?.state === 'delivered' ? found : undefined;
    });
    expect(delivery).toMatchObject({ channel: 'retrain', attempts: 1, outcome: 'exit code 0' });
    expect(readFileSync(seen, 'utf8').trim().split('\n')).toHaveLength(1);
  });
});
