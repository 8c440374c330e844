import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildRandomMlp } from '../../../src/demo/index.js';
import { addModel, rowScaleModel } from '../../support/models.js';
import { getJson, postJson, pushRaw, startTestServer, type TestServer } from '../../support/server.js';

/**
 * Serving under load: queue limits, deadlines, cancellation, and batching correctness, against a
 * real server with worker-thread sessions. A large MLP at 256 rows keeps each run busy for tens of
 * milliseconds so that requests really queue behind it.
 */
let server: TestServer;
const heavyRows = 256;
const heavyBody = JSON.stringify({
  inputs: [
    {
      name: 'input',
      shape: [heavyRows, 512],
      datatype: 'FP32',
      data: Array.from({ length: heavyRows * 512 }, (_, i) => (i % 13) / 13),
    },
  ],
});

const slowBody = JSON.stringify({
  inputs: [
    {
      name: 'input',
      shape: [heavyRows, 8],
      datatype: 'FP32',
      data: Array.from({ length: heavyRows * 8 }, (_, i) => i % 5),
    },
  ],
});

beforeAll(async () => {
  server = await startTestServer({
    runtime: { workers: 1 },
    serving: { maxBatchSize: 0 },
    models: {
      overrides: {
        tight: { maxQueueSize: 2, maxBatchSize: 0 },
        batched: { maxBatchSize: 64, maxQueueDelayMs: 5 },
        pair: { maxBatchSize: 64 },
      },
    },
  });
  const heavy = buildRandomMlp({ inputSize: 512, hiddenSizes: [1024, 1024], outputSize: 4, seed: 11 });
  // Small requests, long runs: the queue fills faster than JSON parsing could hide.
  const slow = buildRandomMlp({ inputSize: 8, hiddenSizes: [2048, 2048, 2048], outputSize: 4, seed: 12 });
  expect((await pushRaw(server.url, 'slow', slow)).status).toBe(201);
  expect((await pushRaw(server.url, 'fresh', slow)).status).toBe(201);
  expect((await postJson(`${server.url}/v2/models/slow/infer`, slowBody)).status).toBe(200);
  expect((await pushRaw(server.url, 'tight', slow)).status).toBe(201);
  expect((await postJson(`${server.url}/v2/models/tight/infer`, slowBody)).status).toBe(200);
  expect((await pushRaw(server.url, 'heavy', heavy)).status).toBe(201);
  expect((await pushRaw(server.url, 'batched', rowScaleModel(3))).status).toBe(201);
  expect((await pushRaw(server.url, 'pair', addModel())).status).toBe(201);
  expect((await postJson(`${server.url}/v2/models/heavy/infer`, heavyBody)).status).toBe(200);
});

afterAll(async () => {
  await server?.stop();
});

const inferHeavy = (model: string, extra: Record<string, string> = {}, signal?: AbortSignal) =>
  fetch(`${server.url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...extra },
    body: model === 'heavy' ? heavyBody : slowBody,
    ...(signal === undefined ? {} : { signal }),
  });

async function queueDepth(model: string): Promise<number> {
  const pattern = new RegExp(`^ferry_inference_queue_depth\\{model="${model}",version="1"\\} (\\d+)$`, 'm');
  const text = await (await fetch(`${server.url}/metrics`)).text();
  return Number(pattern.exec(text)?.[1] ?? 0);
}

/** Poll `condition` every 2 ms, for at most 500 tries. */
async function waitUntil(condition: () => Promise<boolean>, failure: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  throw new Error(failure);
}

/** Poll /metrics until the model's queue holds at least (or exactly) `depth` requests. */
async function waitForQueueDepth(
  model: string,
  depth: number,
  mode: 'at least' | 'exactly' = 'at least',
): Promise<void> {
  await waitUntil(async () => {
    const current = await queueDepth(model);
    return mode === 'exactly' ? current === depth : current >= depth;
  }, `queue of ${model} never reached ${depth}`);
}

async function executedRows(model: string): Promise<number> {
  const stats = await getJson(`${server.url}/v2/models/${model}/versions/1/stats`);
  expect(stats.status).toBe(200);
  return stats.body.model_stats[0].inference_count as number;
}

describe('queue policy', () => {
  it('answers 503 OVERLOADED with Retry-After at once when the queue is full, and serves the others', async () => {
    const responses = await Promise.all(Array.from({ length: 12 }, () => inferHeavy('tight')));
    const statuses = responses.map((response) => response.status);
    const refused = responses.filter((response) => response.status === 503);
    expect(refused.length).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 200).length).toBeGreaterThanOrEqual(3);
    expect(statuses.every((status) => status === 200 || status === 503)).toBe(true);
    for (const response of refused) {
      expect(response.headers.get('retry-after')).toBe('1');
      expect(await response.json()).toMatchObject({
        code: 'OVERLOADED',
        error: expect.stringMatching(/serving.maxQueueSize/),
      });
    }
  });

  it('drops a request whose deadline passes in the queue with 504 DEADLINE_EXCEEDED, without running it', async () => {
    // A fresh version has no measured throughput yet, so admission predicts no wait and lets the
    // short-deadline request in; it then expires behind the runs ahead of it.
    for (let ready = 0; ready !== 200;) {
      ready = (await fetch(`${server.url}/v2/models/fresh/ready`)).status;
      if (ready !== 200) await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const busy = [inferHeavy('fresh'), inferHeavy('fresh')];
    await waitForQueueDepth('fresh', 1);
    const late = await fetch(`${server.url}/v2/models/fresh/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...JSON.parse(slowBody), parameters: { timeout: 5000 } }), // 5 ms, in µs
    });
    expect(late.status).toBe(504);
    expect(await late.json()).toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      error: expect.stringMatching(/it was not run/),
    });
    expect((await Promise.all(busy)).map((response) => response.status)).toEqual([200, 200]);
    expect(await executedRows('fresh')).toBe(2 * heavyRows);
  });

  it('refuses at once with 503 a request whose deadline is shorter than the queued work', async () => {
    // One running and three queued: the queue stays two deep for at least two runs, even on a
    // loaded machine where the first run may end before the last request has arrived.
    const busy = Array.from({ length: 4 }, () => inferHeavy('slow'));
    await waitForQueueDepth('slow', 2);
    const started = performance.now();
    const refused = await inferHeavy('slow', { 'x-ferry-timeout-ms': '5' });
    expect(refused.status).toBe(503);
    expect(await refused.json()).toMatchObject({
      code: 'OVERLOADED',
      error: expect.stringMatching(/more than the request's 5 ms deadline/),
    });
    expect(performance.now() - started).toBeLessThan(1000); // answered without waiting for the queue
    expect((await Promise.all(busy)).map((response) => response.status)).toEqual([200, 200, 200, 200]);
  });

  it('drops the queued work of a client that disconnects', async () => {
    const before = await executedRows('slow');
    const busyCount = 4;
    const busy = Array.from({ length: busyCount }, () => inferHeavy('slow'));
    await waitForQueueDepth('slow', 2); // one running, at least two queued ahead of the abandoned ones
    const controllers = Array.from({ length: 4 }, () => new AbortController());
    const abandoned = controllers.map((controller) =>
      inferHeavy('slow', {}, controller.signal).catch(() => 'aborted'),
    );
    // The busy requests keep running while the abandoned ones arrive, so the queue depth alone does
    // not say whether all four are in; count the busy requests that may still wait ahead of them.
    await waitUntil(async () => {
      const finished = ((await executedRows('slow')) - before) / heavyRows;
      const busyWaiting = Math.max(0, busyCount - finished - 1);
      return (await queueDepth('slow')) - busyWaiting >= controllers.length;
    }, 'the abandoned requests never all waited in the queue of slow');
    for (const controller of controllers) controller.abort();
    expect(await Promise.all(abandoned)).toEqual(['aborted', 'aborted', 'aborted', 'aborted']);
    expect((await Promise.all(busy)).map((response) => response.status)).toEqual(
      Array.from({ length: busyCount }, () => 200),
    );
    expect(await executedRows('slow')).toBe(before + busyCount * heavyRows);
    await waitForQueueDepth('slow', 0, 'exactly');
  });
});

describe('dynamic batching over HTTP', () => {
  it('answers every concurrent request with its own rows, whatever batch it rode in', async () => {
    const requests = Array.from({ length: 40 }, (_, i) => {
      const rows = (i % 3) + 1;
      return postJson(`${server.url}/v2/models/batched/infer`, {
        inputs: [
          { name: 'x', shape: [rows, 3], datatype: 'FP32', data: Array.from({ length: rows * 3 }, () => i) },
        ],
        outputs: [{ name: 'y' }],
      }).then((response) => ({ i, rows, response }));
    });
    for (const { i, rows, response } of await Promise.all(requests)) {
      expect(response.status).toBe(200);
      expect(response.body.outputs[0].shape).toEqual([rows, 3]);
      expect(response.body.outputs[0].data).toEqual(Array.from({ length: rows * 3 }, () => i * 3));
    }
    const stats = await getJson(`${server.url}/v2/models/batched/versions/1/stats`);
    const executions = stats.body.model_stats[0].execution_count as number;
    const totalRows = Array.from({ length: 40 }, (_, i) => (i % 3) + 1).reduce((a, b) => a + b, 0);
    expect(stats.body.model_stats[0].inference_count).toBe(totalRows);
    expect(executions).toBeLessThanOrEqual(40);
  });

  it('refuses inputs that disagree on the batch dimension', async () => {
    const response = await postJson(`${server.url}/v2/models/pair/infer`, {
      inputs: [
        { name: 'a', shape: [2, 2], datatype: 'FP32', data: [1, 2, 3, 4] },
        { name: 'b', shape: [1, 2], datatype: 'FP32', data: [1, 2] },
      ],
    });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({
      code: 'SHAPE_MISMATCH',
      error: expect.stringMatching(/input 'b' has 1 rows but the other inputs have 2/),
    });
  });
});
