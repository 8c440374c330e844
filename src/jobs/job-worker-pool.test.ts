import { afterEach, describe, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { createLogger, FerryError } from '../core/index.js';
import type { CallbackDelivery, CallbackSender, DeliveryOutcome } from './callback-sender.js';
import type { Job } from './job.js';
import type { JobInference } from './job-inference.js';
import { JobStore } from './job-store.js';
import { JobWorkerPool, type JobWorkerPoolOptions } from './job-worker-pool.js';

const logger = createLogger('silent');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const OPTIONS: JobWorkerPoolOptions = {
  concurrency: 2,
  pollIntervalMs: 20,
  leaseMs: 300,
  maxAttempts: 3,
  resultTtlMs: 60_000,
  callbackAttempts: 3,
  callbackBackoffMs: 10,
  callbackTimeoutMs: 1000,
  retryDelayMs: 10,
};

/** An inference that runs `behaviour` per call, counting calls per request id. */
function fakeInference(
  behaviour: (call: number, request: any) => Promise<unknown>,
): JobInference & { calls: number } {
  const inference = {
    calls: 0,
    prepare: () => Promise.resolve({ model: 'm', version: 1 }),
    run: (_model: string, _version: number, request: unknown) => behaviour(++inference.calls, request),
  };
  return inference;
}

class RecordingSender implements CallbackSender {
  readonly deliveries: CallbackDelivery[] = [];
  constructor(private readonly answers: DeliveryOutcome[]) {}
  send(delivery: CallbackDelivery): Promise<DeliveryOutcome> {
    this.deliveries.push(delivery);
    return Promise.resolve(this.answers.shift() ?? { ok: true, status: 200 });
  }
}

async function waitFor<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out; last value ${JSON.stringify(value)}`);
    await sleep(10);
  }
}

describe('JobWorkerPool', () => {
  forEachDialect((fixture) => {
    const pools: JobWorkerPool[] = [];
    afterEach(async () => {
      await Promise.all(pools.splice(0).map((pool) => pool.stop(0)));
    });

    function startPool(
      inference: JobInference,
      options: Partial<JobWorkerPoolOptions> = {},
      sender: CallbackSender = new RecordingSender([]),
    ) {
      const store = new JobStore(fixture.database, { resultTtlMs: 60_000 });
      const pool = new JobWorkerPool({ store, inference, sender, logger }, { ...OPTIONS, ...options });
      pools.push(pool);
      pool.start();
      return { store, pool };
    }

    const submit = (store: JobStore, id: string, callbackUrl?: string) =>
      store.insert({
        id,
        model: 'm',
        modelRef: 'm',
        version: 1,
        request: { id },
        requestSha256: 'x',
        callbackUrl,
        submittedBy: 'test',
        now: new Date(),
      });

    const finished = (store: JobStore, id: string) =>
      waitFor(
        () => store.get(id, new Date()),
        (job) => job?.state.kind === 'completed' || job?.state.kind === 'failed',
      ) as Promise<Job>;

    it('runs queued jobs to completion and stores each result', async () => {
      const { store, pool } = startPool(
        fakeInference((_call, request) => Promise.resolve({ echo: request.id })),
      );
      await Promise.all(['a', 'b', 'c'].map((id) => submit(store, id)));
      pool.notify();
      for (const id of ['a', 'b', 'c']) {
        expect((await finished(store, id)).state).toMatchObject({
          kind: 'completed',
          attempts: 1,
          result: { echo: id },
        });
      }
    });

    it('runs a job again after a server error, and fails one with a request error at once', async () => {
      const inference = fakeInference((call, request) => {
        if (request.id === 'bad') return Promise.reject(new FerryError('SHAPE_MISMATCH', 'wrong shape'));
        if (call <= 1) return Promise.reject(new FerryError('INFERENCE_FAILED', 'flaky'));
        return Promise.resolve({ ok: true });
      });
      const { store } = startPool(inference, { concurrency: 1 });
      await submit(store, 'flaky');
      expect((await finished(store, 'flaky')).state).toMatchObject({ kind: 'completed', attempts: 2 });
      await submit(store, 'bad');
      expect((await finished(store, 'bad')).state).toMatchObject({
        kind: 'failed',
        attempts: 1,
        error: { code: 'SHAPE_MISMATCH', message: 'wrong shape' },
      });
    });

    it('fails a job with the last error after maxAttempts server errors', async () => {
      const { store } = startPool(
        fakeInference(() => Promise.reject(new FerryError('OVERLOADED', 'queue full'))),
      );
      await submit(store, 'j');
      expect((await finished(store, 'j')).state).toMatchObject({
        kind: 'failed',
        attempts: 3,
        error: { code: 'OVERLOADED', message: 'queue full' },
      });
    });

    it('renews the lease of a job that runs longer than leaseMs, so no other worker takes it', async () => {
      const inference = fakeInference(() => sleep(1200).then(() => ({ slow: true })));
      const { store } = startPool(inference, { concurrency: 1 });
      startPool(inference, { concurrency: 1 });
      await submit(store, 'slow');
      expect((await finished(store, 'slow')).state).toMatchObject({ kind: 'completed', attempts: 1 });
      expect(inference.calls).toBe(1);
    });

    it('gives a running job back at stop after the grace period; another worker then completes it', async () => {
      let release: () => void = () => undefined;
      const stuck = fakeInference(() => new Promise((resolve) => (release = () => resolve({ late: true }))));
      const first = startPool(stuck, { concurrency: 1 });
      await submit(first.store, 'j');
      await waitFor(
        () => first.store.get('j', new Date()),
        (job) => job?.state.kind === 'running',
      );
      await first.pool.stop(50);
      expect((await first.store.get('j', new Date()))?.state).toMatchObject({ kind: 'queued', attempts: 0 });
      release(); // the first run ends after its lease was given back: its result is dropped

      const second = startPool(fakeInference(() => Promise.resolve({ second: true })));
      const job = await finished(second.store, 'j');
      expect(job.state).toMatchObject({ kind: 'completed', attempts: 1, result: { second: true } });
    });

    it('delivers the callback of a finished job, trying again after a failed delivery', async () => {
      const sender = new RecordingSender([
        { ok: false, error: 'the receiver answered HTTP 500', retryable: true },
      ]);
      const { store } = startPool(
        fakeInference(() => Promise.resolve({ y: 1 })),
        {},
        sender,
      );
      await submit(store, 'cb', 'https://example.com/hook');
      const job = await waitFor(
        () => store.get('cb', new Date()),
        (current) => current?.callback?.kind === 'delivered',
      );
      expect(job?.callback).toMatchObject({ kind: 'delivered', attempts: 2 });
      expect(sender.deliveries.map((d) => [d.jobId, d.attempt, d.url])).toEqual([
        ['cb', 1, 'https://example.com/hook'],
        ['cb', 2, 'https://example.com/hook'],
      ]);
      expect(JSON.parse(sender.deliveries[1]!.body)).toMatchObject({
        id: 'cb',
        state: 'completed',
        result: { y: 1 },
      });
    });
  });
});
