import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, pushForm } from '../../support/management-api.js';
import { scaleModel } from '../../support/models.js';
import { getJson, postJson, startTestServer, type TestServer } from '../../support/server.js';
import { waitForPredictions } from '../monitoring/monitoring-helpers.js';
import { putReference } from './drift-helpers.js';

let server: TestServer;

/** age and income are numbers; tenure is a category (a code). */
const SIGNATURE = {
  inputs: {
    x: { features: ['age', 'income', 'tenure'], featureKinds: ['numeric', 'numeric', 'categorical'] },
  },
};

/** Ages 20–60, incomes 1000–5000, tenures 1–4. */
const REFERENCE = [
  'age,income,tenure',
  ...Array.from({ length: 40 }, (_, i) => `${20 + i},${1000 + 100 * i},${1 + (i % 4)}`),
].join('\n');

const request = (rows: number[][]) => ({
  inputs: [{ name: 'x', shape: [rows.length, 3], datatype: 'FP32', data: rows.flat() }],
});

async function push(model: string): Promise<void> {
  const pushed = await apiCall('POST', `${server.url}/api/v1/models/${model}/versions`, {
    body: pushForm({ signature: JSON.stringify(SIGNATURE) }, scaleModel(1)),
  });
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
}

beforeAll(async () => {
  server = await startTestServer({
    monitoring: {
      flushIntervalMs: 20,
      profileFlushIntervalMs: 20,
      validation: 'off',
      rangeTolerance: 0.1,
      overrides: {
        strict: { validation: 'reject' },
        watched: { validation: 'flag' },
        unprofiled: { validation: 'reject' },
      },
    },
  });
  for (const model of ['strict', 'watched', 'unprofiled', 'relaxed']) await push(model);
  for (const model of ['strict', 'watched', 'relaxed']) {
    const attached = await putReference(server.url, model, '1', REFERENCE);
    expect(attached.status, JSON.stringify(attached.body)).toBe(200);
  }
});

afterAll(async () => {
  await server?.stop();
});

describe('input validation against the reference profile', () => {
  it('rejects with 400 INVALID_INPUT naming each offending feature, before the request runs', async () => {
    const ok = await postJson(`${server.url}/v2/models/strict/infer`, request([[30, 2000, 2]]));
    expect(ok.status).toBe(200);
    // 59 + 10% of the 39-year range = 62.9: 63 is out; tenure 9 was never seen.
    const refused = await postJson(`${server.url}/v2/models/strict/infer`, request([[63, 2000, 9]]));
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      code: 'INVALID_INPUT',
      error:
        "input fails validation against the reference profile of model 'strict' version 1: " +
        "feature 'age' = 63 is above the reference range [20, 59] (monitoring.rangeTolerance 0.1); " +
        "feature 'tenure' = '9' is not a category seen in the reference (monitoring.validation is reject)",
    });
    const batch = await postJson(
      `${server.url}/v2/models/strict/infer`,
      request([
        [30, 2000, 2],
        [30, 100, 2],
      ]),
    );
    expect(batch.status).toBe(400);
    expect(batch.body.error).toContain(
      "feature 'income' = 100 (row 1) is below the reference range [1000, 4900]",
    );
    // Counted as failed requests with their code.
    const metrics = await getJson(`${server.url}/metrics`);
    expect(metrics.body).toContain(
      'ferry_inference_requests_total{model="strict",version="1",outcome="failure",code="INVALID_INPUT"} 2',
    );
  });

  it('flags without refusing: the prediction carries the reasons and the counter counts them', async () => {
    const answer = await postJson(`${server.url}/v2/models/watched/infer`, request([[90, 2000, 7]]), {
      'x-request-id': 'flag-me',
    });
    expect(answer.status).toBe(200);
    await postJson(`${server.url}/v2/models/watched/infer`, request([[30, 2000, 1]]), {
      'x-request-id': 'fine',
    });
    const body = await waitForPredictions(server.url, 'model=watched', 2);
    const byId = Object.fromEntries(body.predictions.map((p: any) => [p.requestId, p]));
    expect(byId['flag-me'].flags).toEqual([
      "feature 'age' is above the reference range [20, 59] (monitoring.rangeTolerance 0.1)",
      "feature 'tenure' is not a category seen in the reference",
    ]);
    expect(byId.fine.flags).toBeUndefined();
    const metrics = await getJson(`${server.url}/metrics`);
    expect(metrics.body).toContain(
      'ferry_validation_flags_total{model="watched",version="1",feature="age",reason="above_range"} 1',
    );
    expect(metrics.body).toContain(
      'ferry_validation_flags_total{model="watched",version="1",feature="tenure",reason="unknown_category"} 1',
    );
  });

  it('does nothing without a reference profile, or when the policy is off', async () => {
    const unprofiled = await postJson(`${server.url}/v2/models/unprofiled/infer`, request([[900, 2000, 9]]));
    expect(unprofiled.status).toBe(200);
    const relaxed = await postJson(`${server.url}/v2/models/relaxed/infer`, request([[900, 2000, 9]]), {
      'x-request-id': 'relaxed',
    });
    expect(relaxed.status).toBe(200);
    const body = await waitForPredictions(server.url, 'model=relaxed', 1);
    expect(body.predictions[0].flags).toBeUndefined();
  });

  it('applies a reference attached later to the next request', async () => {
    const before = await postJson(`${server.url}/v2/models/unprofiled/infer`, request([[900, 2000, 1]]));
    expect(before.status).toBe(200);
    expect((await putReference(server.url, 'unprofiled', '1', REFERENCE)).status).toBe(200);
    const after = await postJson(`${server.url}/v2/models/unprofiled/infer`, request([[900, 2000, 1]]));
    expect(after.status).toBe(400);
    expect(after.body.code).toBe('INVALID_INPUT');
  });
});
