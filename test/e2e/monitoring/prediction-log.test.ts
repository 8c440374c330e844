import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../src/store/index.js';
import { apiCall, expectApiError, pushForm } from '../../support/management-api.js';
import { echoModel, scaleModel } from '../../support/models.js';
import { getJson, postJson, startTestServer, type TestServer } from '../../support/server.js';
import { parseCsv, scaleRequest, waitForPredictions } from './monitoring-helpers.js';

let server: TestServer;

const SIGNATURE = {
  inputs: {
    x: { features: ['age', 'income', 'tenure'], featureKinds: ['numeric', 'numeric', 'categorical'] },
  },
  outputs: { y: { labels: ['a', 'b', 'c'] } },
};

async function push(model: string, bytes: Uint8Array, signature?: unknown): Promise<void> {
  const fields: Record<string, string> =
    signature === undefined ? {} : { signature: JSON.stringify(signature) };
  const pushed = await apiCall('POST', `${server.url}/api/v1/models/${model}/versions`, {
    body: pushForm(fields, bytes),
  });
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
}

const infer = (model: string, body: unknown, headers: Record<string, string> = {}) =>
  postJson(`${server.url}/v2/models/${model}/infer`, body, headers);

beforeAll(async () => {
  server = await startTestServer({
    // Worker threads take the request's input buffers: the log must have copied what it needs.
    runtime: { placement: 'workers', workers: 1 },
    monitoring: {
      flushIntervalMs: 20,
      overrides: {
        unsampled: { sampleRate: 0 },
        private: { redact: { drop: ['income'], hash: ['age'] } },
        echo: { redact: { mask: [{ pattern: '\\d{3}-\\d{4}', replacement: '###-####', fields: ['text'] }] } },
      },
    },
  });
  await push('scale', scaleModel(2), SIGNATURE);
  await push('unsampled', scaleModel(2));
  await push('private', scaleModel(2), SIGNATURE);
  await push('echo', echoModel());
});

afterAll(async () => {
  await server?.stop();
});

describe('the prediction log', () => {
  it('logs an inference with its request id, caller, named features and outputs', async () => {
    const answer = await infer('scale', scaleRequest([[30, 1000, 4]]), {
      'x-request-id': 'req-a',
      'x-ferry-actor': 'ann',
    });
    expect(answer.status).toBe(200);
    const body = await waitForPredictions(server.url, 'model=scale', 1);
    expect(body.predictions[0]).toEqual({
      requestId: 'req-a',
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      model: 'scale',
      version: 1,
      features: { age: 30, income: 1000, tenure: '4' },
      outputs: { 'y[a]': 60, 'y[b]': 2000, 'y[c]': 8 },
      latencyMs: expect.any(Number),
      status: 'ok',
      caller: 'ann',
      feedback: null,
    });
    expect(body.nextCursor).toBeNull();
  });

  it('logs each row of a multi-row request as <request id>#<row>, and failures with their code', async () => {
    expect(
      (
        await infer(
          'scale',
          scaleRequest([
            [1, 2, 3],
            [4, 5, 6],
          ]),
          { 'x-request-id': 'req-b' },
        )
      ).status,
    ).toBe(200);
    const bad = await infer(
      'scale',
      { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 'x', 3] }] },
      { 'x-request-id': 'req-bad' },
    );
    expect(bad.status).toBe(400);
    const body = await waitForPredictions(server.url, 'model=scale', 4);
    const byId = Object.fromEntries(body.predictions.map((p: any) => [p.requestId, p]));
    expect(byId['req-b#0'].features).toEqual({ age: 1, income: 2, tenure: '3' });
    expect(byId['req-b#1'].features).toEqual({ age: 4, income: 5, tenure: '6' });
    expect(byId['req-b#1'].caller).toBe('anonymous');
    expect(byId['req-bad']).toMatchObject({
      status: 'error',
      code: 'INVALID_TENSOR_DATA',
      features: {},
      outputs: {},
    });
  });

  it('pages newest first with a cursor and filters by window', async () => {
    const first = await getJson(`${server.url}/api/v1/predictions?model=scale&limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.predictions).toHaveLength(2);
    const second = await getJson(
      `${server.url}/api/v1/predictions?model=scale&limit=2&cursor=${first.body.nextCursor}`,
    );
    expect(second.body.predictions.map((p: any) => p.requestId)).not.toContain(
      first.body.predictions[0].requestId,
    );
    const future = await getJson(`${server.url}/api/v1/predictions?model=scale&from=2999-01-01T00:00:00Z`);
    expect(future.body.predictions).toEqual([]);
    const all = await getJson(`${server.url}/api/v1/predictions?model=scale`);
    const ats = all.body.predictions.map((p: any) => p.at);
    expect([...ats].sort().reverse()).toEqual(ats);
  });

  it('refuses bad listing parameters with 400 INVALID_ARGUMENT', async () => {
    for (const query of [
      'from=yesterday',
      'limit=0',
      'limit=1001',
      'version=0',
      'cursor=nope',
      'colour=red',
      'from=2024-02-01T00:00:00Z&to=2024-01-01T00:00:00Z',
    ]) {
      expectApiError(
        await apiCall('GET', `${server.url}/api/v1/predictions?${query}`),
        400,
        'INVALID_ARGUMENT',
      );
    }
  });

  it('logs nothing for a model sampled at 0', async () => {
    expect((await infer('unsampled', scaleRequest([[1, 1, 1]]))).status).toBe(200);
    await waitForPredictions(server.url, 'model=scale', 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const body = (await getJson(`${server.url}/api/v1/predictions?model=unsampled`)).body;
    expect(body.predictions).toEqual([]);
  });

  it('redacts before storing: a dropped field never reaches the database, a hashed one is stable and not plain', async () => {
    await infer('private', scaleRequest([[123456, 987654, 5]]), { 'x-request-id': 'priv-1' });
    await infer('private', scaleRequest([[123456, 1, 5]]), { 'x-request-id': 'priv-2' });
    const body = await waitForPredictions(server.url, 'model=private', 2);
    const [second, first] = body.predictions;
    expect(first.features).not.toHaveProperty('income');
    expect(first.features.age).toMatch(/^[0-9a-f]{64}$/);
    expect(second.features.age).toBe(first.features.age);
    expect(first.features.tenure).toBe('5');
    const database = await openDatabase({ url: '', dataDir: server.dataDir });
    try {
      const segments = await database.db
        .selectFrom('prediction_segments')
        .selectAll()
        .where('model', '=', 'private')
        .execute();
      expect(segments.reduce((rows, segment) => rows + Number(segment.rows), 0)).toBe(2);
      for (const segment of segments) {
        const body = Buffer.from(segment.body);
        const text = `${segment.request_ids}\n${body.toString('utf8')}`;
        expect(text).not.toContain('income');
        expect(text).not.toContain('987654');
        expect(text).not.toContain('123456');
        // Nor as a float32 anywhere in the binary part.
        for (let offset = 0; offset + 4 <= body.length; offset += 4) {
          expect([123456, 987654]).not.toContain(body.readFloatLE(offset));
        }
      }
    } finally {
      await database.close();
    }
  });

  it('masks text by regular expression, and logs BOOL, INT64 and BYTES inputs by name', async () => {
    const request = {
      inputs: [
        { name: 'i64', shape: [1, 2], datatype: 'INT64', data: [7, 8] },
        { name: 'flag', shape: [1], datatype: 'BOOL', data: [true] },
        { name: 'text', shape: [1], datatype: 'BYTES', data: ['call 555-1234'] },
        { name: 'u8', shape: [2, 2], datatype: 'UINT8', data: [1, 2, 3, 4] },
      ],
    };
    expect((await infer('echo', request, { 'x-request-id': 'echo-1' })).status).toBe(200);
    const body = await waitForPredictions(server.url, 'model=echo', 1);
    expect(body.predictions[0].features).toMatchObject({
      'i64[0]': 7,
      'i64[1]': 8,
      flag: true,
      text: 'call ###-####',
    });
    expect(body.predictions[0].outputs).toMatchObject({ text_out: 'call 555-1234', flag_out: false });
  });

  it('reports the log in health and counts logged predictions in metrics', async () => {
    const health = await getJson(`${server.url}/api/v1/health`);
    expect(health.body.monitoring).toEqual({ enabled: true, buffered: expect.any(Number), dropped: 0 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/^ferry_predictions_logged_total\{model="scale"\} [1-9]\d*$/m);
    expect(metrics).toContain('# TYPE ferry_predictions_dropped_total counter');
  });
});

describe('feedback', () => {
  it('stores, updates and reports unknown and invalid items, one result per item', async () => {
    await waitForPredictions(server.url, 'model=scale', 4);
    const first = await postJson(`${server.url}/api/v1/feedback`, {
      items: [
        { request_id: 'req-a', label: 'b' },
        { request_id: 'req-b#1', value: 3.5, at: '2026-01-02T03:04:05Z' },
        { request_id: 'no-such-request', label: 'a' },
        { label: 'a' },
        { request_id: 'req-b#0', label: { nested: true } },
      ],
    });
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual([
      { request_id: 'req-a', status: 'stored' },
      { request_id: 'req-b#1', status: 'stored' },
      {
        request_id: 'no-such-request',
        status: 'unknown_request',
        message: expect.stringContaining("no logged prediction has request id 'no-such-request'"),
      },
      { request_id: '', status: 'invalid', message: expect.stringContaining('request_id') },
      { request_id: 'req-b#0', status: 'invalid', message: expect.stringContaining('label') },
    ]);
    const again = await postJson(`${server.url}/api/v1/feedback`, { request_id: 'req-a', label: 'c' });
    expect(again.body.results).toEqual([{ request_id: 'req-a', status: 'updated' }]);
    const listed = await getJson(`${server.url}/api/v1/predictions?model=scale`);
    const byId = Object.fromEntries(listed.body.predictions.map((p: any) => [p.requestId, p]));
    expect(byId['req-a'].feedback).toEqual({
      label: 'c',
      value: null,
      at: expect.any(String),
      receivedAt: expect.any(String),
    });
    expect(byId['req-b#1'].feedback).toMatchObject({
      label: null,
      value: 3.5,
      at: '2026-01-02T03:04:05.000Z',
    });
  });

  it('refuses a body that is neither one item nor a batch of at most 1000', async () => {
    expectApiError(
      await apiCall('POST', `${server.url}/api/v1/feedback`, { json: [1, 2] }),
      400,
      'INVALID_ARGUMENT',
    );
    expectApiError(
      await apiCall('POST', `${server.url}/api/v1/feedback`, { json: { items: [] } }),
      400,
      'INVALID_ARGUMENT',
    );
    const many = Array.from({ length: 1001 }, (_, index) => ({ request_id: `r${index}`, label: 'a' }));
    expectApiError(
      await apiCall('POST', `${server.url}/api/v1/feedback`, { json: { items: many } }),
      400,
      'INVALID_ARGUMENT',
      'at most 1000',
    );
  });
});

describe('export', () => {
  it('streams NDJSON that parses back, with feedback when asked', async () => {
    const response = await fetch(
      `${server.url}/api/v1/predictions/export?model=scale&format=ndjson&feedback=true`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/x-ndjson/);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.requestId)).toEqual(
      expect.arrayContaining(['req-a', 'req-b#0', 'req-b#1', 'req-bad']),
    );
    const ats = lines.map((line) => line.at);
    expect([...ats].sort()).toEqual(ats);
    expect(lines.find((line) => line.requestId === 'req-a').feedback.label).toBe('c');
    const plain = await (await fetch(`${server.url}/api/v1/predictions/export?model=scale`)).text();
    expect(JSON.parse(plain.split('\n')[0]!)).not.toHaveProperty('feedback');
  });

  it('streams CSV with one column per feature and output, and the feedback', async () => {
    const response = await fetch(
      `${server.url}/api/v1/predictions/export?model=scale&format=csv&feedback=true`,
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="scale-predictions.csv"');
    const { header, rows } = parseCsv(await response.text());
    expect(header).toEqual([
      'request_id',
      'at',
      'model',
      'version',
      'age',
      'income',
      'tenure',
      'y[a]',
      'y[b]',
      'y[c]',
      'latency_ms',
      'status',
      'code',
      'caller',
      'flags',
      'label',
      'value',
      'feedback_at',
    ]);
    const byId = Object.fromEntries(rows.map((row) => [row.request_id, row]));
    expect(byId['req-a']).toMatchObject({
      age: '30',
      income: '1000',
      tenure: '4',
      'y[b]': '2000',
      status: 'ok',
      caller: 'ann',
      label: 'c',
      value: '',
    });
    expect(byId['req-b#1']).toMatchObject({ label: '', value: '3.5' });
    expect(byId['req-bad']).toMatchObject({ status: 'error', code: 'INVALID_TENSOR_DATA', age: '' });
  });

  it('quotes text with commas, quotes and line breaks', async () => {
    const request = {
      inputs: [
        { name: 'i64', shape: [1, 2], datatype: 'INT64', data: [1, 2] },
        { name: 'flag', shape: [1], datatype: 'BOOL', data: [false] },
        { name: 'text', shape: [1], datatype: 'BYTES', data: ['a, "b"\nc'] },
        { name: 'u8', shape: [2, 2], datatype: 'UINT8', data: [1, 2, 3, 4] },
      ],
    };
    expect((await infer('echo', request, { 'x-request-id': 'echo-2' })).status).toBe(200);
    await waitForPredictions(server.url, 'model=echo', 2);
    const { rows } = parseCsv(
      await (await fetch(`${server.url}/api/v1/predictions/export?model=echo&format=csv`)).text(),
    );
    expect(rows.find((row) => row.request_id === 'echo-2')).toMatchObject({
      text: 'a, "b"\nc',
      flag: 'false',
    });
  });

  it('requires a model and a known format', async () => {
    expectApiError(await apiCall('GET', `${server.url}/api/v1/predictions/export`), 400, 'INVALID_ARGUMENT');
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/predictions/export?model=scale&format=xml`),
      400,
      'INVALID_ARGUMENT',
    );
  });
});
