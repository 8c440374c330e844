import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import type { Job, NewJob } from './job.js';
import { JobStore } from './job-store.js';

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const TTL = 60_000;
const request = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] };

const newJob = (id: string, overrides: Partial<NewJob> = {}): NewJob => ({
  id,
  model: 'scale',
  modelRef: 'scale@production',
  version: 1,
  request,
  requestSha256: 'a'.repeat(64),
  callbackUrl: undefined,
  submittedBy: 'ann',
  now: t(0),
  ...overrides,
});

const running = (job: Job | undefined) => {
  if (job?.state.kind !== 'running') throw new Error(`expected a running job, got ${job?.state.kind}`);
  return { job, owner: job.state.leaseOwner };
};

describe('JobStore', () => {
  forEachDialect((fixture) => {
    const store = () => new JobStore(fixture.database, { resultTtlMs: TTL });

    it('stores a job as queued and reads it back; a second insert with the same id returns it unchanged', async () => {
      const jobs = store();
      const first = await jobs.insert(newJob('j1'));
      expect(first.created).toBe(true);
      expect(first.job).toMatchObject({
        id: 'j1',
        model: 'scale',
        version: 1,
        state: { kind: 'queued', attempts: 0 },
      });
      const again = await jobs.insert(newJob('j1', { version: 2, now: t(5) }));
      expect(again).toEqual({ job: first.job, created: false });
      expect(await jobs.get('j1', t(10))).toEqual(first.job);
      expect(await jobs.get('nope', t(10))).toBeUndefined();
    });

    it('claims the oldest queued job with its request, leased to the claimer', async () => {
      const jobs = store();
      await jobs.insert(newJob('old', { now: t(0) }));
      await jobs.insert(newJob('new', { now: t(1) }));
      const claimed = await jobs.claim('w1', t(10), 1000, 3);
      expect(claimed?.request).toEqual(request);
      expect(claimed?.job.id).toBe('old');
      expect(claimed?.job.state).toEqual({
        kind: 'running',
        attempts: 1,
        leaseOwner: 'w1',
        leaseExpiresAt: t(1010),
      });
      expect((await jobs.get('old', t(11)))?.state).toEqual(claimed?.job.state);
      expect((await jobs.claim('w2', t(11), 1000, 3))?.job.id).toBe('new');
      expect(await jobs.claim('w3', t(12), 1000, 3)).toBeUndefined();
    });

    it('lets exactly one of two claimers racing for one job win it', async () => {
      const jobs = store();
      const other = new JobStore(await fixture.open(), { resultTtlMs: TTL });
      for (let round = 0; round < 5; round++) {
        await jobs.insert(newJob(`race-${round}`, { now: t(round) }));
        const results = await Promise.all([
          jobs.claim(`a${round}`, t(100 + round), 1000, 3),
          other.claim(`b${round}`, t(100 + round), 1000, 3),
        ]);
        const winners = results.filter((result) => result !== undefined);
        expect(winners).toHaveLength(1);
        const stored = await jobs.get(`race-${round}`, t(200));
        expect(stored?.state.kind === 'running' && stored.state.leaseOwner).toBe(
          winners[0]?.job.state.kind === 'running' && winners[0].job.state.leaseOwner,
        );
      }
    });

    it('shares many jobs among concurrent claimers with no job claimed twice', async () => {
      const jobs = store();
      const other = new JobStore(await fixture.open(), { resultTtlMs: TTL });
      for (let i = 0; i < 20; i++) await jobs.insert(newJob(`j${String(i).padStart(2, '0')}`, { now: t(i) }));
      const claimers = [jobs, other, jobs, other].map(async (claimer, index) => {
        const ids: string[] = [];
        for (;;) {
          const claimed = await claimer.claim(`w${index}`, t(1000), 5000, 3);
          if (claimed === undefined) return ids;
          ids.push(claimed.job.id);
        }
      });
      const all = (await Promise.all(claimers)).flat();
      expect(all.sort()).toEqual(Array.from({ length: 20 }, (_, i) => `j${String(i).padStart(2, '0')}`));
    });

    it('re-claims a job whose lease expired, and ignores the first owner’s late result', async () => {
      const jobs = store();
      await jobs.insert(newJob('j'));
      const first = running((await jobs.claim('w1', t(0), 1000, 3))?.job);
      expect(await jobs.claim('w2', t(1000), 1000, 3)).toBeUndefined(); // lease still live
      const second = running((await jobs.claim('w2', t(1001), 1000, 3))?.job);
      expect(second.job.state).toMatchObject({ attempts: 2, leaseOwner: 'w2' });

      // The first worker wakes up: its renewal and its result are refused.
      expect(
        await jobs.transition(first.job, { kind: 'renew', owner: 'w1', now: t(1002), leaseMs: 1000 }),
      ).toBeUndefined();
      expect(
        await jobs.transition(first.job, {
          kind: 'succeed',
          owner: 'w1',
          now: t(1003),
          result: { stale: true },
        }),
      ).toBeUndefined();
      const done = await jobs.transition(second.job, {
        kind: 'succeed',
        owner: 'w2',
        now: t(1500),
        result: { y: 2 },
      });
      expect(done?.state).toEqual({ kind: 'completed', attempts: 2, completedAt: t(1500), result: { y: 2 } });
      // A duplicate completion by the winner itself changes nothing either.
      expect(
        await jobs.transition(second.job, { kind: 'succeed', owner: 'w2', now: t(1600), result: { y: 3 } }),
      ).toBeUndefined();
      const stored = await jobs.get('j', t(2000));
      expect(stored?.state).toEqual(done?.state);
      expect(stored?.expiresAt).toEqual(t(1500 + TTL));
    });

    it('keeps a job with its owner while the lease is renewed', async () => {
      const jobs = store();
      await jobs.insert(newJob('j'));
      let { job } = running((await jobs.claim('w1', t(0), 1000, 3))?.job);
      for (let now = 500; now <= 3000; now += 500) {
        job = running(
          await jobs.transition(job, { kind: 'renew', owner: 'w1', now: t(now), leaseMs: 1000 }),
        ).job;
        expect(await jobs.claim('w2', t(now + 1), 1000, 3)).toBeUndefined();
      }
      expect(job.state).toMatchObject({ attempts: 1, leaseExpiresAt: t(4000) });
    });

    it('fails a job whose lease expired maxAttempts times, when a claimer finds it', async () => {
      const jobs = store();
      await jobs.insert(newJob('doomed'));
      for (let attempt = 1; attempt <= 2; attempt++) {
        expect((await jobs.claim(`w${attempt}`, t(attempt * 2000), 1000, 2))?.job.state.attempts).toBe(
          attempt,
        );
      }
      expect(await jobs.claim('w3', t(10_000), 1000, 2)).toBeUndefined();
      const failed = await jobs.get('doomed', t(10_001));
      expect(failed?.state).toMatchObject({
        kind: 'failed',
        attempts: 2,
        error: { code: 'JOB_LEASE_EXPIRED', message: expect.stringMatching(/^lease expired 2 times/) },
      });
    });

    it('queues a job again after a retryable error, not before runAfter', async () => {
      const jobs = store();
      await jobs.insert(newJob('j'));
      const { job, owner } = running((await jobs.claim('w1', t(0), 1000, 3))?.job);
      const retry = await jobs.transition(job, {
        kind: 'fail',
        owner,
        now: t(100),
        error: { code: 'OVERLOADED', message: 'busy' },
        retryable: true,
        maxAttempts: 3,
        retryDelayMs: 500,
      });
      expect(retry?.state).toEqual({ kind: 'queued', attempts: 1, runAfter: t(600) });
      expect(await jobs.claim('w2', t(599), 1000, 3)).toBeUndefined();
      expect((await jobs.claim('w2', t(600), 1000, 3))?.job.state.attempts).toBe(2);
    });

    it('stores an error, and a released job goes back to the queue without counting the attempt', async () => {
      const jobs = store();
      await jobs.insert(newJob('bad'));
      await jobs.insert(newJob('released', { now: t(1) }));
      const bad = running((await jobs.claim('w1', t(10), 1000, 3))?.job);
      const failed = await jobs.transition(bad.job, {
        kind: 'fail',
        owner: bad.owner,
        now: t(20),
        error: { code: 'SHAPE_MISMATCH', message: 'wrong shape' },
        retryable: false,
        maxAttempts: 3,
        retryDelayMs: 0,
      });
      expect((await jobs.get('bad', t(30)))?.state).toEqual(failed?.state);
      expect(failed?.state).toMatchObject({ kind: 'failed', error: { code: 'SHAPE_MISMATCH' } });

      const held = running((await jobs.claim('w1', t(40), 1000, 3))?.job);
      await jobs.transition(held.job, { kind: 'release', owner: held.owner, now: t(50) });
      expect((await jobs.get('released', t(60)))?.state).toEqual({
        kind: 'queued',
        attempts: 0,
        runAfter: t(50),
      });
    });

    it('lists jobs newest first, by state and model', async () => {
      const jobs = store();
      await jobs.insert(newJob('a', { now: t(0) }));
      await jobs.insert(newJob('b', { now: t(1), model: 'other', modelRef: 'other' }));
      await jobs.insert(newJob('c', { now: t(2) }));
      await jobs.claim('w', t(5), 1000, 3);
      const ids = (list: Job[]) => list.map((job) => job.id);
      expect(ids(await jobs.list({ limit: 10, now: t(10) }))).toEqual(['c', 'b', 'a']);
      expect(ids(await jobs.list({ limit: 10, now: t(10), state: 'queued' }))).toEqual(['c', 'b']);
      expect(ids(await jobs.list({ limit: 10, now: t(10), model: 'scale' }))).toEqual(['c', 'a']);
      expect(ids(await jobs.list({ limit: 1, now: t(10) }))).toEqual(['c']);
    });

    it('hides and then deletes finished jobs past their retention, but keeps undelivered callbacks', async () => {
      const jobs = store();
      await jobs.insert(newJob('plain'));
      await jobs.insert(newJob('with-callback', { callbackUrl: 'https://example.com/cb', now: t(1) }));
      for (const owner of ['w1', 'w2']) {
        const { job } = running((await jobs.claim(owner, t(10), 1000, 3))?.job);
        await jobs.transition(job, { kind: 'succeed', owner, now: t(20), result: {} });
      }
      expect((await jobs.get('plain', t(20 + TTL - 1)))?.state.kind).toBe('completed');
      expect(await jobs.get('plain', t(20 + TTL))).toBeUndefined();
      expect(await jobs.deleteExpired(t(20 + TTL))).toBe(1);
      const kept = await fixture.database.db.selectFrom('jobs').select('id').execute();
      expect(kept).toEqual([{ id: 'with-callback' }]);
      // An expired id is free again.
      expect((await jobs.insert(newJob('with-callback', { now: t(30 + TTL) }))).created).toBe(true);
    });

    it('puts the callback of a finished job due at once, and delivers it through claim and record', async () => {
      const jobs = store();
      const other = new JobStore(await fixture.open(), { resultTtlMs: TTL });
      await jobs.insert(newJob('cb', { callbackUrl: 'https://example.com/cb' }));
      const { job, owner } = running((await jobs.claim('w', t(0), 1000, 3))?.job);
      expect(await jobs.claimCallback(t(5), 1000, 3)).toBeUndefined(); // not finished yet
      const done = await jobs.transition(job, { kind: 'succeed', owner, now: t(10), result: { y: 1 } });
      expect(done?.callback).toEqual({ kind: 'pending', attempts: 0, dueAt: t(10), lastError: undefined });

      const [mine, theirs] = await Promise.all([
        jobs.claimCallback(t(11), 1000, 3),
        other.claimCallback(t(11), 1000, 3),
      ]);
      const claimed = mine ?? theirs;
      expect([mine, theirs].filter((x) => x !== undefined)).toHaveLength(1);
      expect(claimed?.callback).toMatchObject({ kind: 'sending', attempts: 1, leaseExpiresAt: t(1011) });
      expect(claimed?.state).toMatchObject({ kind: 'completed', result: { y: 1 } });

      const retry = await jobs.transitionCallback(claimed!, {
        kind: 'undelivered',
        now: t(20),
        error: 'the receiver answered HTTP 500',
        retryable: true,
        maxAttempts: 3,
        backoffMs: 100,
      });
      expect(retry?.callback).toMatchObject({ kind: 'pending', attempts: 1, dueAt: t(120) });
      expect(await jobs.claimCallback(t(119), 1000, 3)).toBeUndefined();
      const again = await jobs.claimCallback(t(120), 1000, 3);
      expect(again?.callback).toMatchObject({ kind: 'sending', attempts: 2 });
      const delivered = await jobs.transitionCallback(again!, { kind: 'delivered', now: t(130) });
      expect((await jobs.get('cb', t(140)))?.callback).toEqual(delivered?.callback);
      expect(delivered?.callback).toEqual({ kind: 'delivered', attempts: 2, deliveredAt: t(130) });
      // A late record of the first claim changes nothing.
      expect(await jobs.transitionCallback(claimed!, { kind: 'delivered', now: t(150) })).toBeUndefined();
    });
  });
});
