import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  isClaimable,
  isFinished,
  nextJobState,
  queuedJob,
  type JobEvent,
  type JobState,
} from './job-state.js';

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const claim = (owner: string, ms: number, maxAttempts = 3): JobEvent => ({
  kind: 'claim',
  owner,
  now: t(ms),
  leaseMs: 1000,
  maxAttempts,
});
const running = (owner: string, attempts: number, expiresMs: number): JobState => ({
  kind: 'running',
  attempts,
  leaseOwner: owner,
  leaseExpiresAt: t(expiresMs),
});
const serverError = { code: 'INFERENCE_FAILED', message: 'boom' } as const;
const fail = (owner: string, ms: number, retryable: boolean): JobEvent => ({
  kind: 'fail',
  owner,
  now: t(ms),
  error: retryable ? serverError : { code: 'SHAPE_MISMATCH', message: 'bad shape' },
  retryable,
  maxAttempts: 3,
  retryDelayMs: 500,
});

describe('nextJobState', () => {
  it('claims a queued job: running, attempt 1, leased to the claimer until now + leaseMs', () => {
    expect(nextJobState(queuedJob(t(0)), claim('a', 10))).toEqual(running('a', 1, 1010));
  });

  it('does not claim a queued job before its runAfter time (retry backoff)', () => {
    const waiting: JobState = { kind: 'queued', attempts: 1, runAfter: t(500) };
    expect(nextJobState(waiting, claim('a', 499))).toBeUndefined();
    expect(nextJobState(waiting, claim('a', 500))).toEqual(running('a', 2, 1500));
  });

  it('does not claim a running job whose lease is live, even at its last millisecond', () => {
    expect(nextJobState(running('a', 1, 1000), claim('b', 999))).toBeUndefined();
    expect(nextJobState(running('a', 1, 1000), claim('b', 1000))).toBeUndefined();
  });

  it('re-claims a running job whose lease expired, as the next attempt with a new owner', () => {
    expect(nextJobState(running('a', 1, 1000), claim('b', 1001))).toEqual(running('b', 2, 2001));
  });

  it("fails a job whose lease expired maxAttempts times with JOB_LEASE_EXPIRED 'lease expired N times'", () => {
    const next = nextJobState(running('a', 3, 1000), claim('b', 5000, 3));
    expect(next).toMatchObject({ kind: 'failed', attempts: 3, completedAt: t(5000) });
    expect(next?.kind === 'failed' && next.error.code).toBe('JOB_LEASE_EXPIRED');
    expect(next?.kind === 'failed' && next.error.message).toMatch(/^lease expired 3 times/);
  });

  it('renews the lease of its owner only', () => {
    expect(
      nextJobState(running('a', 1, 1000), { kind: 'renew', owner: 'a', now: t(800), leaseMs: 1000 }),
    ).toEqual(running('a', 1, 1800));
    expect(
      nextJobState(running('a', 1, 1000), { kind: 'renew', owner: 'b', now: t(800), leaseMs: 1000 }),
    ).toBeUndefined();
  });

  it('completes with the result for the owner; a late duplicate from an old owner changes nothing', () => {
    const done = nextJobState(running('b', 2, 3000), {
      kind: 'succeed',
      owner: 'b',
      now: t(2500),
      result: { y: 1 },
    });
    expect(done).toEqual({ kind: 'completed', attempts: 2, completedAt: t(2500), result: { y: 1 } });
    expect(
      nextJobState(running('b', 2, 3000), { kind: 'succeed', owner: 'a', now: t(2500), result: {} }),
    ).toBeUndefined();
    expect(
      nextJobState(done!, { kind: 'succeed', owner: 'b', now: t(2600), result: { y: 2 } }),
    ).toBeUndefined();
  });

  it('fails at once on an error that is the request’s fault (4xx), whatever attempts are left', () => {
    expect(nextJobState(running('a', 1, 1000), fail('a', 100, false))).toEqual({
      kind: 'failed',
      attempts: 1,
      completedAt: t(100),
      error: { code: 'SHAPE_MISMATCH', message: 'bad shape' },
    });
  });

  it('queues a job again after a server error until maxAttempts, then fails it with the last error', () => {
    expect(nextJobState(running('a', 1, 1000), fail('a', 100, true))).toEqual({
      kind: 'queued',
      attempts: 1,
      runAfter: t(600),
    });
    expect(nextJobState(running('a', 3, 1000), fail('a', 100, true))).toEqual({
      kind: 'failed',
      attempts: 3,
      completedAt: t(100),
      error: serverError,
    });
  });

  it('gives a job back on release without counting the attempt', () => {
    expect(nextJobState(running('a', 2, 1000), { kind: 'release', owner: 'a', now: t(10) })).toEqual({
      kind: 'queued',
      attempts: 1,
      runAfter: t(10),
    });
    expect(nextJobState(running('a', 2, 1000), { kind: 'release', owner: 'b', now: t(10) })).toBeUndefined();
  });

  it('ignores every event once the job finished', () => {
    const failed: JobState = { kind: 'failed', attempts: 1, completedAt: t(0), error: serverError };
    expect(nextJobState(failed, claim('a', 10_000))).toBeUndefined();
    expect(nextJobState(failed, { kind: 'release', owner: 'a', now: t(1) })).toBeUndefined();
  });
});

describe('job state machine properties', () => {
  const owners = ['a', 'b', 'c'];
  const event = fc.oneof(
    fc.record({ kind: fc.constant('claim' as const), owner: fc.constantFrom(...owners) }),
    fc.record({ kind: fc.constant('renew' as const), owner: fc.constantFrom(...owners) }),
    fc.record({ kind: fc.constant('succeed' as const), owner: fc.constantFrom(...owners) }),
    fc.record({
      kind: fc.constant('fail' as const),
      owner: fc.constantFrom(...owners),
      retryable: fc.boolean(),
    }),
    fc.record({ kind: fc.constant('release' as const), owner: fc.constantFrom(...owners) }),
  );
  const step = fc.record({ event, advanceMs: fc.integer({ min: 0, max: 3000 }) });

  it('keeps attempts within maxAttempts, owners on running jobs only, and finished jobs finished', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(step, { maxLength: 40 }), (maxAttempts, steps) => {
        let state = queuedJob(t(0));
        let clock = 0;
        for (const { event: e, advanceMs } of steps) {
          clock += advanceMs;
          const now = t(clock);
          const full: JobEvent =
            e.kind === 'claim'
              ? { ...e, now, leaseMs: 1000, maxAttempts }
              : e.kind === 'renew'
                ? { ...e, now, leaseMs: 1000 }
                : e.kind === 'succeed'
                  ? { ...e, now, result: clock }
                  : e.kind === 'fail'
                    ? { ...e, now, error: serverError, maxAttempts, retryDelayMs: 100 }
                    : { ...e, now };
          const next = nextJobState(state, full);
          if (isFinished(state)) expect(next).toBeUndefined();
          if (next === undefined) continue;
          expect(next.attempts).toBeLessThanOrEqual(maxAttempts);
          expect(next.attempts).toBeGreaterThanOrEqual(0);
          // Only the lease holder moves a running job, except a claim after its lease lapsed.
          if (state.kind === 'running' && full.kind !== 'claim') expect(full.owner).toBe(state.leaseOwner);
          if (state.kind === 'running' && full.kind === 'claim') expect(isClaimable(state, now)).toBe(true);
          state = next;
        }
      }),
    );
  });
});
