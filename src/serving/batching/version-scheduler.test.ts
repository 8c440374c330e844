import { describe, expect, it } from 'vitest';
import type { RuntimeSession, RuntimeTensor } from '../../runtime/index.js';
import { CancellationSource } from '../cancellation.js';
import { NO_OBSERVER, type BatchExecuted } from '../inference-observer.js';
import { VersionScheduler, type SchedulerSettings, type ScheduledRequest } from './version-scheduler.js';

/**
 * A runtime session whose runs finish when the test says so. Its "model" doubles its input, so
 * every answer can be checked against its request.
 */
class ManualSession implements RuntimeSession {
  readonly runs: { rows: number; finish: () => void; fail: (error: Error) => void }[] = [];
  constructor(readonly concurrency = 1) {}

  run(inputs: Readonly<Record<string, RuntimeTensor>>): Promise<Record<string, RuntimeTensor>> {
    const x = inputs.x!;
    return new Promise((resolve, reject) => {
      this.runs.push({
        rows: x.shape[0]!,
        finish: () =>
          resolve({
            y: { datatype: 'FP32', shape: x.shape, data: (x.data as Float32Array).map((v) => v * 2) },
          }),
        fail: reject,
      });
    });
  }

  release(): Promise<void> {
    return Promise.resolve();
  }
}

const settings = (overrides: Partial<SchedulerSettings> = {}): SchedulerSettings => ({
  maxBatchSize: 8,
  maxQueueDelayMs: 1000,
  preferredBatchSizes: [],
  maxConcurrentRuns: 0,
  maxQueueSize: 100,
  ...overrides,
});

function request(value: number, overrides: Partial<ScheduledRequest> = {}): ScheduledRequest {
  const rows = overrides.rows ?? 1;
  return {
    inputs: { x: { datatype: 'FP32', shape: [rows, 1], data: new Float32Array(rows).fill(value) } },
    outputNames: ['y'],
    rows,
    deadline: Number.POSITIVE_INFINITY,
    priority: 0,
    ...overrides,
  };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));
const valueOf = (result: { outputs: Record<string, RuntimeTensor> }) =>
  Array.from(result.outputs.y!.data as Float32Array);

function scheduler(session: ManualSession, overrides: Partial<SchedulerSettings> = {}, batchable = true) {
  const batches: BatchExecuted[] = [];
  const observer = { ...NO_OBSERVER, batchExecuted: (event: BatchExecuted) => batches.push(event) };
  return {
    scheduler: new VersionScheduler('m', 1, session, settings(overrides), batchable, observer),
    batches,
  };
}

describe('VersionScheduler', () => {
  it('dispatches a request arriving while idle at once, without waiting out the queue delay', () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session, { maxQueueDelayMs: 60_000 });
    void s.submit(request(1));
    expect(session.runs).toHaveLength(1); // synchronously: no timer involved
  });

  it('batches the requests that arrived during a run, and answers each with its own rows', async () => {
    const session = new ManualSession();
    const { scheduler: s, batches } = scheduler(session);
    const first = s.submit(request(1));
    const later = [2, 3, 4, 5].map((v) => s.submit(request(v)));
    expect(session.runs).toHaveLength(1);
    session.runs[0]!.finish();
    await first;
    await flush();
    expect(session.runs.map((run) => run.rows)).toEqual([1, 4]);
    session.runs[1]!.finish();
    expect((await Promise.all(later)).map(valueOf)).toEqual([[4], [6], [8], [10]]);
    expect(batches.map((batch) => [batch.rows, batch.requests])).toEqual([
      [1, 1],
      [4, 4],
    ]);
  });

  it('never puts more than maxBatchSize rows in a run, counting multi-row requests', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session, { maxBatchSize: 4 });
    const blocker = s.submit(request(0));
    const waiting = [
      s.submit(request(1, { rows: 3 })),
      s.submit(request(2, { rows: 2 })),
      s.submit(request(3, { rows: 2 })),
    ];
    session.runs[0]!.finish();
    await blocker;
    await flush();
    expect(session.runs.map((run) => run.rows)).toEqual([1, 3]);
    session.runs[1]!.finish();
    await waiting[0];
    await flush();
    expect(session.runs.map((run) => run.rows)).toEqual([1, 3, 4]);
    session.runs[2]!.finish();
    expect((await Promise.all(waiting)).map(valueOf)).toEqual([
      [2, 2, 2],
      [4, 4],
      [6, 6],
    ]);
  });

  it('runs a request larger than maxBatchSize alone', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session, { maxBatchSize: 2 });
    const big = s.submit(request(5, { rows: 6 }));
    expect(session.runs.map((run) => run.rows)).toEqual([6]);
    session.runs[0]!.finish();
    expect(valueOf(await big)).toEqual([10, 10, 10, 10, 10, 10]);
  });

  it('with a free run slot, gathers for maxQueueDelayMs while another run is in flight', async () => {
    const session = new ManualSession(2);
    const { scheduler: s } = scheduler(session, { maxQueueDelayMs: 30 });
    void s.submit(request(1));
    void s.submit(request(2));
    void s.submit(request(3));
    expect(session.runs.map((run) => run.rows)).toEqual([1]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(session.runs.map((run) => run.rows)).toEqual([1, 2]);
  });

  it('sends a preferred batch size without waiting', () => {
    const session = new ManualSession(2);
    const { scheduler: s } = scheduler(session, { maxQueueDelayMs: 60_000, preferredBatchSizes: [2] });
    void s.submit(request(1));
    void s.submit(request(2));
    expect(session.runs).toHaveLength(1);
    void s.submit(request(3));
    expect(session.runs.map((run) => run.rows)).toEqual([1, 2]);
  });

  it('refuses at once with OVERLOADED when the queue is full, and serves the rest', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session, { maxQueueSize: 2 });
    const running = s.submit(request(1));
    const queued = [s.submit(request(2)), s.submit(request(3))];
    await expect(s.submit(request(4))).rejects.toMatchObject({ code: 'OVERLOADED' });
    session.runs[0]!.finish();
    await running;
    await flush();
    session.runs[1]!.finish();
    expect((await Promise.all(queued)).map(valueOf)).toEqual([[4], [6]]);
  });

  it('drops a request whose deadline passes in the queue with DEADLINE_EXCEEDED, and never runs it', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session);
    const running = s.submit(request(1));
    const late = s.submit(request(2, { deadline: performance.now() + 20 }));
    await expect(late).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      message: expect.stringMatching(/it was not run/),
    });
    session.runs[0]!.finish();
    await running;
    await flush();
    expect(session.runs).toHaveLength(1);
    expect(s.queued).toBe(0);
  });

  it('refuses a request whose deadline has already passed', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session);
    await expect(s.submit(request(1, { deadline: performance.now() - 1 }))).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
    });
    expect(session.runs).toHaveLength(0);
  });

  it('drops a queued request whose client went away, and never runs it', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session);
    const running = s.submit(request(1));
    const client = new CancellationSource();
    const gone = s.submit(request(2, { cancellation: client }));
    client.cancel();
    await expect(gone).rejects.toMatchObject({ code: 'CANCELLED' });
    session.runs[0]!.finish();
    await running;
    await flush();
    expect(session.runs).toHaveLength(1);
  });

  it('serves higher priority first', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session, { maxBatchSize: 0 });
    const order: number[] = [];
    const running = s.submit(request(0));
    const low = s.submit(request(1, { priority: 0 })).then(() => order.push(1));
    const high = s.submit(request(2, { priority: 5 })).then(() => order.push(2));
    session.runs[0]!.finish();
    await running;
    await flush();
    expect(session.runs).toHaveLength(2);
    session.runs[1]!.finish();
    await flush();
    session.runs[2]!.finish();
    await Promise.all([low, high]);
    expect(order).toEqual([2, 1]);
  });

  it('runs one request at a time when the model cannot batch', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session, {}, false);
    const all = [1, 2, 3].map((v) => s.submit(request(v)));
    for (let i = 0; i < 3; i++) {
      await flush();
      expect(session.runs[i]!.rows).toBe(1);
      session.runs[i]!.finish();
    }
    expect((await Promise.all(all)).map(valueOf)).toEqual([[2], [4], [6]]);
  });

  it('fails every request of a batch whose run fails, and keeps serving', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session);
    const first = s.submit(request(1));
    const batch = [s.submit(request(2)), s.submit(request(3))];
    session.runs[0]!.finish();
    await first;
    await flush();
    session.runs[1]!.fail(new Error('boom'));
    for (const result of batch)
      await expect(result).rejects.toMatchObject({
        code: 'INFERENCE_FAILED',
        message: expect.stringMatching(/boom/),
      });
    const after = s.submit(request(4));
    session.runs[2]!.finish();
    expect(valueOf(await after)).toEqual([8]);
  });

  it('reports queue time and the rows of the run', async () => {
    const session = new ManualSession();
    const { scheduler: s } = scheduler(session);
    const first = s.submit(request(1));
    const second = s.submit(request(2));
    await new Promise((resolve) => setTimeout(resolve, 15));
    session.runs[0]!.finish();
    await first;
    await flush();
    session.runs[1]!.finish();
    const result = await second;
    expect(result.queueSeconds).toBeGreaterThanOrEqual(0.01);
    expect(result.batchRows).toBe(1);
  });
});
