import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiCall, expectApiError } from '../../support/management-api.js';
import { scaleModel } from '../../support/models.js';
import { getJson, postJson, pushRaw, startTestServer, type TestServer } from '../../support/server.js';
import { startCallbackReceiver, waitForJob, type CallbackReceiver } from './job-helpers.js';

let server: TestServer;
let jobsUrl: string;

const request = (rows: number[][]) => ({
  id: 'req-1',
  inputs: [{ name: 'x', shape: [rows.length, 3], datatype: 'FP32', data: rows.flat() }],
});

beforeAll(async () => {
  server = await startTestServer({
    jobs: {
      allowLoopbackCallbacks: true,
      pollIntervalMs: 20,
      callbackBackoffMs: 50,
      callbackTimeoutMs: 2000,
    },
    monitoring: { flushIntervalMs: 20 },
  });
  jobsUrl = `${server.url}/api/v1/jobs`;
  expect((await pushRaw(server.url, 'scale', scaleModel(2), '?alias=production')).status).toBe(201);
  expect((await pushRaw(server.url, 'scale', scaleModel(3))).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

describe('submitting and reading jobs', () => {
  it('accepts a job with 202 and a Location, runs it, and returns the same outputs as a synchronous inference', async () => {
    const body = request([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    const submitted = await apiCall('POST', jobsUrl, { json: { model: 'scale@production', request: body } });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect(submitted.body).toMatchObject({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      model: 'scale',
      version: 1,
      ref: 'scale@production',
      state: 'queued',
      attempts: 0,
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
    });
    expect(submitted.headers.get('location')).toBe(`/api/v1/jobs/${submitted.body.id}`);

    const finished = await waitForJob(server.url, submitted.body.id);
    const sync = await postJson(`${server.url}/v2/models/scale/versions/1/infer`, body);
    expect(sync.status).toBe(200);
    expect(finished.body).toMatchObject({ state: 'completed', attempts: 1, version: 1 });
    expect(finished.body.result).toEqual(sync.body);
    expect(finished.body.result.outputs[0]).toEqual({
      name: 'y',
      datatype: 'FP32',
      shape: [2, 3],
      data: [2, 4, 6, 8, 10, 12],
    });
    expect(Date.parse(finished.body.expiresAt) - Date.parse(finished.body.completedAt)).toBe(
      server.config.jobs.resultTtlMs,
    );
  });

  it("logs the job's prediction under the job id and submitter, so feedback joins on the job id", async () => {
    const submitted = await apiCall('POST', jobsUrl, {
      json: { id: 'job-logged-1', model: 'scale', request: request([[1, 1, 1]]) },
      headers: { 'x-ferry-actor': 'ann' },
    });
    expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
    expect((await waitForJob(server.url, 'job-logged-1')).body.state).toBe('completed');
    let logged: any;
    for (let attempt = 0; attempt < 200 && logged === undefined; attempt++) {
      const listed = await getJson(`${server.url}/api/v1/predictions?model=scale&limit=100`);
      logged = listed.body.predictions.find((p: any) => p.requestId === 'job-logged-1');
      if (logged === undefined) await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(logged).toMatchObject({ model: 'scale', version: 1, status: 'ok', caller: 'ann' });
    const feedback = await postJson(`${server.url}/api/v1/feedback`, {
      request_id: 'job-logged-1',
      value: 6,
    });
    expect(feedback.body.results).toEqual([{ request_id: 'job-logged-1', status: 'stored' }]);
  });

  it('runs the version a number names', async () => {
    const submitted = await apiCall('POST', jobsUrl, {
      json: { model: 'scale:2', request: request([[1, 1, 1]]) },
    });
    expect(submitted.status).toBe(202);
    const finished = await waitForJob(server.url, submitted.body.id);
    expect(finished.body.result.outputs[0].data).toEqual([3, 3, 3]);
    expect(finished.body.result.model_version).toBe('2');
  });

  it('returns the same job for a repeated submit with the same id, and refuses a different body under it', async () => {
    const json = { id: 'order-42', model: 'scale', request: request([[1, 0, 0]]) };
    const first = await apiCall('POST', jobsUrl, { json });
    expect(first.status).toBe(202);
    expect(first.body.id).toBe('order-42');
    await waitForJob(server.url, 'order-42');
    const again = await apiCall('POST', jobsUrl, { json });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ id: 'order-42', state: 'completed', attempts: 1 });
    expect(again.headers.get('location')).toBe('/api/v1/jobs/order-42');
    const other = await apiCall('POST', jobsUrl, { json: { ...json, request: request([[0, 0, 1]]) } });
    expectApiError(other, 409, 'JOB_EXISTS', 'order-42');
  });

  it('lists jobs newest first without their results, by state', async () => {
    const response = await apiCall('GET', `${jobsUrl}?state=completed&limit=2`);
    expect(response.status).toBe(200);
    expect(response.body.jobs).toHaveLength(2);
    for (const job of response.body.jobs) {
      expect(job.state).toBe('completed');
      expect(job).not.toHaveProperty('result');
    }
    expect(response.body.jobs[0].createdAt >= response.body.jobs[1].createdAt).toBe(true);
    expectApiError(await apiCall('GET', `${jobsUrl}?state=lost`), 400, 'INVALID_ARGUMENT');
  });

  it('counts jobs by state in the ferry_jobs metric', async () => {
    const listed = await apiCall('GET', `${jobsUrl}?state=completed&limit=100`);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toContain(`ferry_jobs{state="completed"} ${listed.body.jobs.length}`);
    expect(metrics).toContain('ferry_jobs{state="queued"} 0');
  });

  it('answers 404 JOB_NOT_FOUND for an unknown id', async () => {
    expectApiError(await apiCall('GET', `${jobsUrl}/no-such-job`), 404, 'JOB_NOT_FOUND', 'no-such-job');
  });
});

describe('refusing jobs that could never run', () => {
  const ok = request([[1, 2, 3]]);

  it.each([
    ['a malformed model reference', { model: 'scale@@x', request: ok }, 400, 'INVALID_ARGUMENT'],
    ['an unknown model', { model: 'nope', request: ok }, 404, 'MODEL_NOT_FOUND'],
    ['an unknown alias', { model: 'scale@staging', request: ok }, 404, 'VERSION_NOT_FOUND'],
    [
      'a request that does not fit the signature',
      { model: 'scale', request: { inputs: [{ name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] }] } },
      400,
      'SHAPE_MISMATCH',
    ],
    ['a missing request', { model: 'scale' }, 400, 'INVALID_ARGUMENT'],
    ['an unknown field', { model: 'scale', request: ok, priority: 1 }, 400, 'INVALID_ARGUMENT'],
    ['a bad id', { model: 'scale', request: ok, id: '../x' }, 400, 'INVALID_ARGUMENT'],
    [
      'a metadata callback',
      { model: 'scale', request: ok, callbackUrl: 'http://169.254.169.254/latest' },
      400,
      'INVALID_CALLBACK_URL',
    ],
    [
      'a link-local IPv6 callback',
      { model: 'scale', request: ok, callbackUrl: 'http://[fe80::1]/cb' },
      400,
      'INVALID_CALLBACK_URL',
    ],
    [
      'a non-http callback',
      { model: 'scale', request: ok, callbackUrl: 'ftp://example.com/' },
      400,
      'INVALID_CALLBACK_URL',
    ],
  ] as const)('refuses %s', async (_what, json, status, code) => {
    const before = (await apiCall('GET', `${jobsUrl}?limit=1000`)).body.jobs.length;
    expectApiError(await apiCall('POST', jobsUrl, { json }), status, code);
    expect((await apiCall('GET', `${jobsUrl}?limit=1000`)).body.jobs.length).toBe(before);
  });
});

describe('callbacks', () => {
  let receiver: CallbackReceiver;

  beforeAll(async () => {
    receiver = await startCallbackReceiver([500]);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  it('POSTs the finished job to the callback URL, trying again after a 500', async () => {
    const submitted = await apiCall('POST', jobsUrl, {
      json: { model: 'scale', request: request([[1, 2, 3]]), callbackUrl: receiver.url },
    });
    expect(submitted.status).toBe(202);
    expect(submitted.body.callback).toEqual({ url: receiver.url, state: 'pending', attempts: 0 });
    const [first, second] = await receiver.waitFor(2);
    expect(first?.status).toBe(500);
    expect(second?.headers['x-ferry-job-id']).toBe(submitted.body.id);
    expect(second?.headers['x-ferry-callback-attempt']).toBe('2');
    expect(second?.body).toMatchObject({
      id: submitted.body.id,
      state: 'completed',
      result: { outputs: [{ name: 'y', data: [2, 4, 6] }, { name: 'total' }] },
    });

    let job = await waitForJob(server.url, submitted.body.id);
    for (let i = 0; i < 100 && job.body.callback.state !== 'delivered'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      job = await apiCall('GET', `${jobsUrl}/${submitted.body.id}`);
    }
    expect(job.body.callback).toMatchObject({ url: receiver.url, state: 'delivered', attempts: 2 });
    expect(receiver.received).toHaveLength(2);
  });
});

describe('servers configured otherwise', () => {
  it('refuses loopback callbacks unless jobs.allowLoopbackCallbacks is set', async () => {
    const strict = await startTestServer();
    try {
      expect((await pushRaw(strict.url, 'scale', scaleModel(1))).status).toBe(201);
      for (const callbackUrl of ['http://127.0.0.1:9/cb', 'http://localhost:9/cb', 'http://[::1]:9/cb']) {
        const response = await apiCall('POST', `${strict.url}/api/v1/jobs`, {
          json: { model: 'scale', request: request([[1, 2, 3]]), callbackUrl },
        });
        expectApiError(response, 400, 'INVALID_CALLBACK_URL', 'jobs.allowLoopbackCallbacks');
      }
    } finally {
      await strict.stop();
    }
  });

  it('keeps jobs queued on a server with jobs.concurrency 0, pinned to the version resolved at submit', async () => {
    const apiOnly = await startTestServer({ jobs: { concurrency: 0, pollIntervalMs: 20 } });
    try {
      expect((await pushRaw(apiOnly.url, 'scale', scaleModel(1), '?alias=production')).status).toBe(201);
      expect((await pushRaw(apiOnly.url, 'scale', scaleModel(2))).status).toBe(201);
      const submitted = await apiCall('POST', `${apiOnly.url}/api/v1/jobs`, {
        json: { model: 'scale@production', request: request([[1, 2, 3]]) },
      });
      expect(submitted.status).toBe(202);
      const moved = await apiCall('PUT', `${apiOnly.url}/api/v1/models/scale/aliases/production`, {
        json: { version: 2 },
      });
      expect(moved.status).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, 200));
      const job = await apiCall('GET', `${apiOnly.url}/api/v1/jobs/${submitted.body.id}`);
      expect(job.body).toMatchObject({ state: 'queued', version: 1, ref: 'scale@production' });
    } finally {
      await apiOnly.stop();
    }
  });

  it('has no job routes when jobs.enabled is false', async () => {
    const off = await startTestServer({ jobs: { enabled: false } });
    try {
      const response = await apiCall('POST', `${off.url}/api/v1/jobs`, { json: { model: 'x', request: {} } });
      expectApiError(response, 404, 'ROUTE_NOT_FOUND');
    } finally {
      await off.stop();
    }
  });
});
