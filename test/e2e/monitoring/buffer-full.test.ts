import { afterAll, beforeAll, expect, it } from 'vitest';
import { pushRaw, getJson, postJson, startTestServer, type TestServer } from '../../support/server.js';
import { scaleModel } from '../../support/models.js';
import { scaleRequest } from './monitoring-helpers.js';

let server: TestServer;

beforeAll(async () => {
  // One row of buffer, a flush far away and none before it (flushAtFill 1): the writer is slower
  // than arrivals, so the second prediction on finds the buffer full.
  server = await startTestServer({ monitoring: { bufferSize: 1, flushIntervalMs: 600_000, flushAtFill: 1 } });
  expect((await pushRaw(server.url, 'scale', scaleModel(2))).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

it('answers every inference while the log drops what its full buffer cannot take, and health warns', async () => {
  const answers = await Promise.all(
    Array.from({ length: 40 }, (_, index) =>
      postJson(`${server.url}/v2/models/scale/infer`, scaleRequest([[index, 0, 0]]), {
        'x-request-id': `r${index}`,
      }),
    ),
  );
  expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
  const health = await getJson(`${server.url}/api/v1/health`);
  expect(health.status).toBe(200);
  expect(health.body.ready).toBe(true);
  expect(health.body.monitoring.buffered).toBe(1);
  expect(health.body.monitoring.dropped).toBe(39);
  expect(health.body.monitoring.warning).toContain('monitoring.bufferSize=1');
});

it('writes the buffered prediction when feedback names one not yet written', async () => {
  // The one buffered prediction is among r0..r39; feedback for all finds exactly one of them.
  const items = Array.from({ length: 40 }, (_, index) => ({ request_id: `r${index}`, label: 'x' }));
  const response = await postJson(`${server.url}/api/v1/feedback`, { items });
  expect(response.status).toBe(200);
  const statuses = response.body.results.map((result: any) => result.status);
  expect(statuses.filter((status: string) => status === 'stored')).toHaveLength(1);
  expect(statuses.filter((status: string) => status === 'unknown_request')).toHaveLength(39);
  const metrics = await (await fetch(`${server.url}/metrics`)).text();
  expect(metrics).toContain('ferry_predictions_dropped_total{model="scale"} 39');
  expect(metrics).toContain('ferry_predictions_logged_total{model="scale"} 1');
});
