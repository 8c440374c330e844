import { describe, expect, it } from 'vitest';
import {
  callbackBackoffMs,
  callbackOnFinish,
  MAX_CALLBACK_BACKOFF_MS,
  nextCallbackState,
  type CallbackState,
} from './callback-state.js';

const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const undelivered = (ms: number, retryable = true) =>
  ({
    kind: 'undelivered',
    now: t(ms),
    error: 'the receiver answered HTTP 500',
    retryable,
    maxAttempts: 3,
    backoffMs: 100,
  }) as const;

describe('nextCallbackState', () => {
  it('is due at once when a job with a callback URL finishes, and absent without one', () => {
    expect(callbackOnFinish('https://example.com/cb', t(5))).toEqual({
      kind: 'pending',
      attempts: 0,
      dueAt: t(5),
      lastError: undefined,
    });
    expect(callbackOnFinish(undefined, t(5))).toBeUndefined();
  });

  it('retries with exponential backoff, then fails with the last error after maxAttempts deliveries', () => {
    let state: CallbackState = callbackOnFinish('https://example.com/cb', t(0))!;
    const dueTimes: number[] = [];
    let now = 0;
    for (let attempt = 1; attempt <= 3; attempt++) {
      state = nextCallbackState(state, { kind: 'claim', now: t(now), leaseMs: 1000, maxAttempts: 3 })!;
      expect(state).toMatchObject({ kind: 'sending', attempts: attempt });
      state = nextCallbackState(state, undelivered(now))!;
      if (state.kind === 'pending') {
        dueTimes.push(state.dueAt.getTime() - t(now).getTime());
        now = state.dueAt.getTime() - t(0).getTime();
      }
    }
    expect(dueTimes).toEqual([100, 200]);
    expect(state).toEqual({ kind: 'failed', attempts: 3, error: 'the receiver answered HTTP 500' });
  });

  it('is not claimed before it is due, nor while a delivery holds it', () => {
    const pending: CallbackState = { kind: 'pending', attempts: 1, dueAt: t(100), lastError: 'x' };
    expect(
      nextCallbackState(pending, { kind: 'claim', now: t(99), leaseMs: 10, maxAttempts: 5 }),
    ).toBeUndefined();
    const sending: CallbackState = {
      kind: 'sending',
      attempts: 1,
      leaseExpiresAt: t(100),
      lastError: undefined,
    };
    expect(
      nextCallbackState(sending, { kind: 'claim', now: t(100), leaseMs: 10, maxAttempts: 5 }),
    ).toBeUndefined();
    expect(
      nextCallbackState(sending, { kind: 'claim', now: t(101), leaseMs: 10, maxAttempts: 5 }),
    ).toMatchObject({
      kind: 'sending',
      attempts: 2,
    });
  });

  it('records a delivery, and fails at once on a failure that retrying cannot help', () => {
    const sending: CallbackState = { kind: 'sending', attempts: 2, leaseExpiresAt: t(100), lastError: 'x' };
    expect(nextCallbackState(sending, { kind: 'delivered', now: t(50) })).toEqual({
      kind: 'delivered',
      attempts: 2,
      deliveredAt: t(50),
    });
    expect(nextCallbackState(sending, undelivered(50, false))).toMatchObject({ kind: 'failed', attempts: 2 });
  });

  it('gives a delivery cut short by shutdown back, due at once and not counted', () => {
    const sending: CallbackState = { kind: 'sending', attempts: 2, leaseExpiresAt: t(100), lastError: 'x' };
    expect(nextCallbackState(sending, { kind: 'release', now: t(7) })).toEqual({
      kind: 'pending',
      attempts: 1,
      dueAt: t(7),
      lastError: 'x',
    });
  });

  it('caps the backoff', () => {
    expect(callbackBackoffMs(500, 1)).toBe(500);
    expect(callbackBackoffMs(500, 3)).toBe(2000);
    expect(callbackBackoffMs(500, 40)).toBe(MAX_CALLBACK_BACKOFF_MS);
  });
});
