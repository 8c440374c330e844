import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildRandomMlp } from '../../../src/demo/index.js';
import { startChildServer, type ChildServer } from '../../support/child-server.js';
import { apiCall } from '../../support/management-api.js';
import { postJson, pushRaw } from '../../support/server.js';

/**
 * The durability promise of async jobs: a job accepted (202) is run to completion even when the
 * process running it is killed with SIGKILL. A real `ferry serve` (the built CLI) runs a model slow
 * enough that jobs are in flight, is killed mid-way, and a new process on the same data folder must
 * finish every job, with the outputs a synchronous inference gives.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'ferry-jobs-kill-'));
const children: ChildServer[] = [];

afterAll(() => {
  for (const child of children) child.process.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const JOBS = 20;
const ROWS = 256;
const INPUT = 512;
// One job at a time, leases that lapse within a second of a kill, a quick poller.
const env = { FERRY_JOBS_CONCURRENCY: '1', FERRY_JOBS_LEASE_MS: '1000', FERRY_JOBS_POLL_INTERVAL_MS: '50' };

const serve = async () => {
  const child = await startChildServer(
    ['serve', '--data-dir', dataDir, '--port', '0', '--log-level', 'info'],
    env,
  );
  children.push(child);
  return child;
};

/** A distinct request per job: exact binary fractions, so the JSON stays short. */
const requestFor = (job: number) => ({
  inputs: [
    {
      name: 'input',
      shape: [ROWS, INPUT],
      datatype: 'FP32',
      data: Array.from({ length: ROWS * INPUT }, (_, i) => (((i * 31 + job * 17) % 64) - 32) / 64),
    },
  ],
});

const jobId = (job: number) => `kill-${String(job).padStart(2, '0')}`;

async function listJobs(url: string): Promise<{ id: string; state: string; attempts: number }[]> {
  const response = await apiCall('GET', `${url}/api/v1/jobs?limit=100`);
  expect(response.status).toBe(200);
  return response.body.jobs;
}

const count = (jobs: { state: string }[], state: string) => jobs.filter((job) => job.state === state).length;

describe('async jobs survive kill -9', () => {
  it('finishes every accepted job after the server is killed mid-way and started again', async () => {
    const started = performance.now();
    const first = await serve();
    const model = buildRandomMlp({ inputSize: INPUT, hiddenSizes: [2048, 2048], outputSize: 10, seed: 11 });
    expect((await pushRaw(first.url, 'heavy', model)).status).toBe(201);

    const submits = await Promise.all(
      Array.from({ length: JOBS }, (_, job) =>
        apiCall('POST', `${first.url}/api/v1/jobs`, {
          json: { id: jobId(job), model: 'heavy:1', request: requestFor(job) },
        }),
      ),
    );
    for (const response of submits) expect(response.status, JSON.stringify(response.body)).toBe(202);
    const submittedMs = performance.now() - started;

    // Kill once a few jobs are done and one is running: that one's lease must lapse and be re-claimed.
    let before: { id: string; state: string; attempts: number }[] = [];
    const deadline = Date.now() + 60_000;
    for (;;) {
      before = await listJobs(first.url);
      if (count(before, 'completed') >= 3 && count(before, 'running') === 1) break;
      if (Date.now() > deadline) throw new Error(`jobs never got under way: ${JSON.stringify(before)}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    first.process.kill('SIGKILL');
    expect(await first.exited).toBeNull(); // killed by the signal, not exited
    const killedAtMs = performance.now() - started;
    const completedBefore = count(before, 'completed');
    expect(completedBefore).toBeLessThan(JOBS);

    const second = await serve();
    const restartedAtMs = performance.now() - started;
    let after: { id: string; state: string; attempts: number }[] = [];
    const finishBy = Date.now() + 90_000;
    for (;;) {
      after = await listJobs(second.url);
      if (count(after, 'completed') + count(after, 'failed') === JOBS) break;
      if (Date.now() > finishBy) throw new Error(`jobs stuck after restart: ${JSON.stringify(after)}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const recoveredMs = performance.now() - started;

    // None lost, none stuck, none failed.
    expect(after.map((job) => job.id).sort()).toEqual(Array.from({ length: JOBS }, (_, job) => jobId(job)));
    expect(after.filter((job) => job.state !== 'completed')).toEqual([]);
    // The job seen running just before the kill was claimed again by the new process once its lease
    // lapsed (attempt 2), unless it finished in the instant between that look and the kill. With
    // jobs.concurrency 1, no other job can have been running.
    const inFlight = before.find((job) => job.state === 'running')!;
    const reclaimed = after.filter((job) => job.attempts > 1).map((job) => job.id);
    expect(reclaimed.length).toBeLessThanOrEqual(1);
    if (!reclaimed.includes(inFlight.id))
      expect(after.find((job) => job.id === inFlight.id)?.attempts).toBe(1);

    // Every result equals a synchronous inference of the same request.
    for (let job = 0; job < JOBS; job++) {
      const stored = await apiCall('GET', `${second.url}/api/v1/jobs/${jobId(job)}`);
      const sync = await postJson(`${second.url}/v2/models/heavy/versions/1/infer`, requestFor(job));
      expect(sync.status).toBe(200);
      const got: number[] = stored.body.result.outputs[0].data;
      const want: number[] = sync.body.outputs[0].data;
      expect(stored.body.result.outputs[0].shape).toEqual([ROWS, 10]);
      expect(got).toHaveLength(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 4);
    }

    console.log(
      JSON.stringify({
        kill_recovery: {
          submittedMs: Math.round(submittedMs),
          killedAtMs: Math.round(killedAtMs),
          completedBeforeKill: completedBefore,
          inFlightAtKill: inFlight.id,
          reclaimed,
          restartedAtMs: Math.round(restartedAtMs),
          allCompletedMs: Math.round(recoveredMs),
        },
      }),
    );
    second.process.kill('SIGTERM');
    expect(await second.exited).toBe(0);
  }, 240_000);
});
