/**
 * Delivery of a finished job's callback. `attempts` counts deliveries started, including the one in
 * flight while `sending`; a `sending` claim lapses at `leaseExpiresAt`, so a process killed mid-send
 * leaves the callback to another worker rather than losing it.
 */
export type CallbackState =
  | {
      readonly kind: 'pending';
      readonly attempts: number;
      readonly dueAt: Date;
      readonly lastError: string | undefined;
    }
  | {
      readonly kind: 'sending';
      readonly attempts: number;
      readonly leaseExpiresAt: Date;
      readonly lastError: string | undefined;
    }
  | { readonly kind: 'delivered'; readonly attempts: number; readonly deliveredAt: Date }
  | { readonly kind: 'failed'; readonly attempts: number; readonly error: string };

/** Everything that can happen to a callback; each event carries its own time. */
export type CallbackEvent =
  /** A worker starts a delivery: a pending callback that is due, or a sending one whose claim lapsed. */
  | { readonly kind: 'claim'; readonly now: Date; readonly leaseMs: number; readonly maxAttempts: number }
  /** The receiver answered 2xx. */
  | { readonly kind: 'delivered'; readonly now: Date }
  /**
   * The delivery failed. A retryable failure (timeout, refused connection, non-2xx answer) is tried
   * again after `backoffMs · 2^(attempts-1)` until `maxAttempts` deliveries were made.
   */
  | {
      readonly kind: 'undelivered';
      readonly now: Date;
      readonly error: string;
      readonly retryable: boolean;
      readonly maxAttempts: number;
      readonly backoffMs: number;
    }
  /** The worker stops (server shutdown) mid-delivery: due again at once, attempt not counted. */
  | { readonly kind: 'release'; readonly now: Date };

/**
 * The event a finished delivery attempt makes: `delivered`, `release` when the worker was stopping
 * (the abort cut it short; the attempt is not counted), else `undelivered` with its retry settings.
 */
export function deliveryEvent(
  outcome:
    { readonly ok: true } | { readonly ok: false; readonly error: string; readonly retryable: boolean },
  aborted: boolean,
  now: Date,
  retry: { readonly maxAttempts: number; readonly backoffMs: number },
): CallbackEvent {
  if (outcome.ok) return { kind: 'delivered', now };
  if (aborted) return { kind: 'release', now };
  return { kind: 'undelivered', now, error: outcome.error, retryable: outcome.retryable, ...retry };
}

/** The longest wait between two deliveries, however many attempts were made. */
export const MAX_CALLBACK_BACKOFF_MS = 300_000;

/** The callback state of a job that just finished: due at once when it has a callback URL. */
export function callbackOnFinish(callbackUrl: string | undefined, now: Date): CallbackState | undefined {
  return callbackUrl === undefined
    ? undefined
    : { kind: 'pending', attempts: 0, dueAt: now, lastError: undefined };
}

/** Wait before the delivery after `attempts` failed ones: exponential, capped. */
export function callbackBackoffMs(backoffMs: number, attempts: number): number {
  return Math.min(MAX_CALLBACK_BACKOFF_MS, backoffMs * 2 ** Math.max(0, attempts - 1));
}

/** Can a worker start a delivery of this callback at `now`? */
export function isCallbackDue(state: CallbackState, now: Date): boolean {
  if (state.kind === 'pending') return state.dueAt.getTime() <= now.getTime();
  if (state.kind === 'sending') return state.leaseExpiresAt.getTime() < now.getTime();
  return false;
}

const later = (now: Date, ms: number): Date => new Date(now.getTime() + ms);

/** The next callback state after `event`, or undefined when the event does not apply. Pure. */
export function nextCallbackState(state: CallbackState, event: CallbackEvent): CallbackState | undefined {
  switch (event.kind) {
    case 'claim': {
      if (state.kind !== 'pending' && state.kind !== 'sending') return undefined;
      if (!isCallbackDue(state, event.now)) return undefined;
      if (state.attempts >= event.maxAttempts) {
        // Only a lapsed `sending` claim gets here: its worker died without recording an answer.
        return {
          kind: 'failed',
          attempts: state.attempts,
          error: state.lastError ?? 'the worker delivering the callback stopped before recording an answer',
        };
      }
      return {
        kind: 'sending',
        attempts: state.attempts + 1,
        leaseExpiresAt: later(event.now, event.leaseMs),
        lastError: state.lastError,
      };
    }
    case 'delivered':
      if (state.kind !== 'sending') return undefined;
      return { kind: 'delivered', attempts: state.attempts, deliveredAt: event.now };
    case 'undelivered':
      if (state.kind !== 'sending') return undefined;
      if (event.retryable && state.attempts < event.maxAttempts) {
        return {
          kind: 'pending',
          attempts: state.attempts,
          dueAt: later(event.now, callbackBackoffMs(event.backoffMs, state.attempts)),
          lastError: event.error,
        };
      }
      return { kind: 'failed', attempts: state.attempts, error: event.error };
    case 'release':
      if (state.kind !== 'sending') return undefined;
      return {
        kind: 'pending',
        attempts: Math.max(0, state.attempts - 1),
        dueAt: event.now,
        lastError: state.lastError,
      };
  }
}
