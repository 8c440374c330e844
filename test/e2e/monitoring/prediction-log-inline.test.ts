import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, pushForm } from '../../support/management-api.js';
import { scaleModel } from '../../support/models.js';
import { postJson, startTestServer, type TestServer } from '../../support/server.js';
import { scaleRequest, waitForPredictions } from './monitoring-helpers.js';

// Sessions on the event loop: the log keeps the request's own input arrays (no copy), so what it
// stores must still be what each request sent, batched with others or not.
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    runtime: { placement: 'inline' },
    serving: { maxQueueDelayMs: 5 },
    monitoring: { flushIntervalMs: 20 },
  });
  const pushed = await apiCall('POST', `${server.url}/api/v1/models/scale/versions`, {
    body: pushForm(
      { signature: JSON.stringify({ inputs: { x: { features: ['a', 'b', 'c'] } } }) },
      scaleModel(2),
    ),
  });
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

describe('the prediction log with sessions on the event loop', () => {
  it('stores each request’s own inputs and outputs, however requests were batched', async () => {
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, k) =>
        postJson(`${server.url}/v2/models/scale/infer`, scaleRequest([[k, k + 0.5, 100 - k]]), {
          'x-request-id': `inline-${k}`,
        }),
      ),
    );
    expect(answers.map((answer) => answer.status)).toEqual(answers.map(() => 200));
    const body = await waitForPredictions(server.url, 'model=scale&limit=100', 40);
    const predictions = body.predictions as { requestId: string }[];
    const byId = new Map(predictions.map((prediction) => [prediction.requestId, prediction]));
    for (let k = 0; k < 40; k += 1) {
      expect(byId.get(`inline-${k}`)).toMatchObject({
        features: { a: k, b: k + 0.5, c: 100 - k },
        outputs: { 'y[0]': 2 * k, 'y[1]': 2 * k + 1, 'y[2]': 200 - 2 * k },
      });
    }
  });
});
