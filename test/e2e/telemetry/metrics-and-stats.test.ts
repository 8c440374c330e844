import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scaleModel } from '../../support/models.js';
import { protocolErrors } from '../../support/protocol-schema.js';
import { getJson, postJson, pushRaw, startTestServer, type TestServer } from '../../support/server.js';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  expect((await pushRaw(server.url, 'scale', scaleModel(1), '?alias=production')).status).toBe(201);
  expect((await pushRaw(server.url, 'scale', scaleModel(2))).status).toBe(201);
  expect((await pushRaw(server.url, 'fed', scaleModel(3))).status).toBe(201);
});

afterAll(async () => {
  await server?.stop();
});

const infer = (path: string, rows: number) =>
  postJson(`${server.url}/v2/models/${path}/infer`, {
    inputs: [
      { name: 'x', shape: [rows, 3], datatype: 'FP32', data: Array.from({ length: rows * 3 }, (_, i) => i) },
    ],
  });

/** The value of one sample line, found by its exact name and label text; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const scrape = async (): Promise<string> => {
  const response = await fetch(`${server.url}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
};

const durationStat = expect.objectContaining({ count: expect.any(Number), ns: expect.any(Number) });

describe('GET /metrics', () => {
  it('answers Prometheus text 0.0.4 with loaded models and process metrics', async () => {
    const response = await fetch(`${server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    const text = await response.text();
    expect(text).toContain('# TYPE ferry_models_loaded gauge');
    expect(sample(text, 'ferry_models_loaded{state="failed"}')).toBe(0);
    expect(text).toContain('# TYPE ferry_process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE ferry_nodejs_eventloop_lag_seconds gauge');
    expect(text).toContain('# TYPE ferry_inference_requests_total counter');
  });

  it('counts served requests, their latency and batch sizes per model and version', async () => {
    expect((await infer('scale', 2)).status).toBe(200);
    expect((await infer('scale/versions/production', 1)).status).toBe(200);
    const short = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2] }] };
    expect((await postJson(`${server.url}/v2/models/scale/infer`, short)).status).toBe(400);
    const text = await scrape();
    const labels = 'model="scale",version="1"';
    expect(sample(text, `ferry_inference_requests_total{${labels},outcome="success"}`)).toBe(2);
    expect(
      Object.fromEntries(
        text
          .split('\n')
          .filter((line) => line.startsWith(`ferry_inference_requests_total{${labels},outcome="failure"`))
          .map((line) => [/code="(\w+)"/.exec(line)?.[1], Number(line.split(' ').at(-1))]),
      ),
    ).toEqual({ DATA_LENGTH_MISMATCH: 1 });
    expect(sample(text, `ferry_inference_request_duration_seconds_count{${labels},outcome="success"}`)).toBe(
      2,
    );
    expect(sample(text, `ferry_inference_compute_duration_seconds_count{${labels}}`)).toBe(2);
    expect(sample(text, `ferry_inference_batch_size_count{${labels}}`)).toBe(2);
    expect(sample(text, 'ferry_models_loaded{state="ready"}')).toBe(1);
  });
});

describe('statistics extension', () => {
  it('is listed in the server metadata', async () => {
    const response = await getJson(`${server.url}/v2`);
    expect(response.body.extensions).toContain('statistics');
  });

  it('answers the loaded versions of a model in the Triton shape', async () => {
    const response = await getJson(`${server.url}/v2/models/scale/stats`);
    expect(response.status).toBe(200);
    expect(response.body.model_stats).toHaveLength(1);
    const [stat] = response.body.model_stats;
    expect(stat).toEqual({
      name: 'scale',
      version: '1',
      last_inference: expect.any(Number),
      inference_count: expect.any(Number),
      execution_count: 2,
      inference_stats: {
        success: durationStat,
        fail: durationStat,
        queue: durationStat,
        compute_input: durationStat,
        compute_infer: durationStat,
        compute_output: durationStat,
        cache_hit: durationStat,
        cache_miss: durationStat,
      },
      batch_stats: expect.any(Array),
    });
    // Rows per request depend on whether the model batches (this one has a scalar output, so it
    // does not): check that runs and rows agree rather than fixing the sizes.
    const runs = stat.batch_stats.map((batch: any) => batch.compute_infer.count);
    expect(runs.reduce((sum: number, count: number) => sum + count, 0)).toBe(2);
    expect(stat.inference_count).toBe(
      stat.batch_stats.reduce(
        (sum: number, batch: any) => sum + batch.batch_size * batch.compute_infer.count,
        0,
      ),
    );
    expect(stat.batch_stats[0]).toEqual({
      batch_size: expect.any(Number),
      compute_input: durationStat,
      compute_infer: durationStat,
      compute_output: durationStat,
    });
    expect(stat.inference_stats.compute_infer.count).toBe(2);
    expect(stat.inference_stats.success.count).toBe(2);
    expect(stat.inference_stats.fail.count).toBe(1);
    expect(stat.inference_stats.success.ns).toBeGreaterThan(0);
    expect(Date.now() - stat.last_inference).toBeLessThan(60_000);
  });

  it('answers one version by number or alias, with zeros when it has served nothing', async () => {
    const second = await getJson(`${server.url}/v2/models/scale/versions/2/stats`);
    expect(second.status).toBe(200);
    expect(second.body.model_stats).toEqual([
      expect.objectContaining({
        name: 'scale',
        version: '2',
        last_inference: 0,
        inference_count: 0,
        execution_count: 0,
        batch_stats: [],
      }),
    ]);
    const production = await getJson(`${server.url}/v2/models/scale/versions/production/stats`);
    expect(production.status).toBe(200);
    expect(production.body.model_stats.map((stat: any) => stat.version)).toEqual(['1']);
  });

  it('answers every listed version of every model, by name then version', async () => {
    const response = await getJson(`${server.url}/v2/models/stats`);
    expect(response.status).toBe(200);
    const listed = response.body.model_stats.map((stat: any) => `${stat.name}:${stat.version}`);
    expect(listed).toContain('scale:1');
    expect(listed).not.toContain('scale:2');
    expect(listed).toEqual([...listed].sort());
  });

  it('answers an empty list for a known model with no version loaded', async () => {
    const response = await getJson(`${server.url}/v2/models/fed/stats`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ model_stats: [] });
  });

  it('answers 404 in the protocol error shape for an unknown model or version', async () => {
    for (const path of [
      'nope/stats',
      'nope/versions/1/stats',
      'scale/versions/9/stats',
      'scale/versions/beta/stats',
    ]) {
      const response = await getJson(`${server.url}/v2/models/${path}`);
      expect(response.status, path).toBe(404);
      expect(protocolErrors('error_response', response.body), path).toEqual([]);
      expect(response.body.code, path).toBe(
        path.startsWith('nope') ? 'MODEL_NOT_FOUND' : 'VERSION_NOT_FOUND',
      );
    }
  });
});

describe('events fed to the server observer', () => {
  it('show up in both the statistics and the metrics', async () => {
    server.observer.batchExecuted({
      model: 'fed',
      version: 1,
      rows: 16,
      requests: 4,
      inputSeconds: 0.001,
      inferSeconds: 0.01,
      outputSeconds: 0.002,
    });
    for (let i = 0; i < 4; i++) {
      server.observer.requestFinished({
        model: 'fed',
        version: 1,
        outcome: 'success',
        queueSeconds: 0.005,
        computeSeconds: 0.013,
        totalSeconds: 0.02,
        cacheHit: false,
        rows: 4,
      });
    }
    server.observer.queueDepth('fed', 1, 9);

    const stats = await getJson(`${server.url}/v2/models/fed/stats`);
    expect(stats.body.model_stats).toEqual([
      expect.objectContaining({
        name: 'fed',
        version: '1',
        inference_count: 16,
        execution_count: 1,
        batch_stats: [
          {
            batch_size: 16,
            compute_input: { count: 1, ns: 1_000_000 },
            compute_infer: { count: 1, ns: 10_000_000 },
            compute_output: { count: 1, ns: 2_000_000 },
          },
        ],
      }),
    ]);
    expect(stats.body.model_stats[0].inference_stats).toMatchObject({
      success: { count: 4, ns: 80_000_000 },
      queue: { count: 4, ns: 20_000_000 },
      compute_infer: { count: 4, ns: 40_000_000 },
    });

    const text = await scrape();
    const labels = 'model="fed",version="1"';
    expect(sample(text, `ferry_inference_requests_total{${labels},outcome="success"}`)).toBe(4);
    expect(sample(text, `ferry_inference_queue_duration_seconds_bucket{le="0.005",${labels}}`)).toBe(4);
    expect(sample(text, `ferry_inference_batch_size_bucket{le="16",${labels}}`)).toBe(1);
    expect(sample(text, `ferry_inference_batch_size_bucket{le="8",${labels}}`)).toBe(0);
    expect(sample(text, `ferry_inference_queue_depth{${labels}}`)).toBe(9);
  });
});
