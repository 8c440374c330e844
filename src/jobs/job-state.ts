import type { ErrorCode } from '../core/index.js';

/** Why a job failed: a stable code from the error catalog and a message saying what to do. */
export interface JobError {
  readonly code: ErrorCode;
  readonly message: string;
}

/**
 * Where a job is in its life. `attempts` counts the claims made so far (a lease given back at
 * shutdown is not counted). Only `running` has an owner: the token of the claim holding it.
 */
export type JobState =
  | { readonly kind: 'queued'; readonly attempts: number; readonly runAfter: Date }
  | {
      readonly kind: 'running';
      readonly attempts: number;
      readonly leaseOwner: string;
      readonly leaseExpiresAt: Date;
    }
  | {
      readonly kind: 'completed';
      readonly attempts: number;
      readonly completedAt: Date;
      readonly result: unknown;
    }
  | {
      readonly kind: 'failed';
      readonly attempts: number;
      readonly completedAt: Date;
      readonly error: JobError;
    };

/** The kinds a job can be in. */
export type JobStateKind = JobState['kind'];

/** The states after which nothing runs again. */
export type FinishedJobState = Extract<JobState, { kind: 'completed' | 'failed' }>;

/** Everything that can happen to a job. Each event carries its own time: the machine reads no clock. */
export type JobEvent =
  /** A worker takes the job: a queued job whose time has come, or a running one whose lease lapsed. */
  | {
      readonly kind: 'claim';
      readonly owner: string;
      readonly now: Date;
      readonly leaseMs: number;
      readonly maxAttempts: number;
    }
  /** The owner is still working: extend the lease (heartbeat). */
  | { readonly kind: 'renew'; readonly owner: string; readonly now: Date; readonly leaseMs: number }
  /** The owner's run produced a result. */
  | { readonly kind: 'succeed'; readonly owner: string; readonly now: Date; readonly result: unknown }
  /**
   * The owner's run failed. A retryable error (the server's fault) queues the job again after
   * `retryDelayMs` until `maxAttempts` runs were made; any other error fails it at once.
   */
  | {
      readonly kind: 'fail';
      readonly owner: string;
      readonly now: Date;
      readonly error: JobError;
      readonly retryable: boolean;
      readonly maxAttempts: number;
      readonly retryDelayMs: number;
    }
  /** The owner stops (server shutdown) before the run ended: queue the job again, attempt not counted. */
  | { readonly kind: 'release'; readonly owner: string; readonly now: Date };

/** The first state of a job accepted at `now`. */
export function queuedJob(now: Date): JobState {
  return { kind: 'queued', attempts: 0, runAfter: now };
}

/** Is the job over (completed or failed)? */
export function isFinished(state: JobState): state is FinishedJobState {
  return state.kind === 'completed' || state.kind === 'failed';
}

/** Can a worker claim this job at `now`? */
export function isClaimable(state: JobState, now: Date): boolean {
  if (state.kind === 'queued') return state.runAfter.getTime() <= now.getTime();
  if (state.kind === 'running') return state.leaseExpiresAt.getTime() < now.getTime();
  return false;
}

/** The message of a job failed because its leases kept lapsing. */
export function leaseExpiredMessage(attempts: number): string {
  return (
    `lease expired ${attempts} time${attempts === 1 ? '' : 's'}: the worker running the job stopped ` +
    'renewing it (process killed, or stalled longer than jobs.leaseMs); submit the job again, and ' +
    'check the server logs if this repeats'
  );
}

const later = (now: Date, ms: number): Date => new Date(now.getTime() + ms);

/**
 * The next state of a job after `event`, or undefined when the event does not apply: a claim of a
 * job whose lease is live, any event from a worker that no longer holds the lease, anything after
 * the job finished. Pure: the same state and event always give the same answer.
 *
 * Claiming a job whose lease lapsed for the `maxAttempts`-th time fails it instead of running it
 * again (`JOB_LEASE_EXPIRED`), so a job that crashes its worker cannot crash every worker in turn.
 */
export function nextJobState(state: JobState, event: JobEvent): JobState | undefined {
  switch (event.kind) {
    case 'claim': {
      if (!isClaimable(state, event.now)) return undefined;
      if (state.kind === 'running' && state.attempts >= event.maxAttempts) {
        return {
          kind: 'failed',
          attempts: state.attempts,
          completedAt: event.now,
          error: { code: 'JOB_LEASE_EXPIRED', message: leaseExpiredMessage(state.attempts) },
        };
      }
      return {
        kind: 'running',
        attempts: state.attempts + 1,
        leaseOwner: event.owner,
        leaseExpiresAt: later(event.now, event.leaseMs),
      };
    }
    case 'renew':
      if (state.kind !== 'running' || state.leaseOwner !== event.owner) return undefined;
      return { ...state, leaseExpiresAt: later(event.now, event.leaseMs) };
    case 'succeed':
      if (state.kind !== 'running' || state.leaseOwner !== event.owner) return undefined;
      return { kind: 'completed', attempts: state.attempts, completedAt: event.now, result: event.result };
    case 'fail':
      if (state.kind !== 'running' || state.leaseOwner !== event.owner) return undefined;
      if (event.retryable && state.attempts < event.maxAttempts) {
        return { kind: 'queued', attempts: state.attempts, runAfter: later(event.now, event.retryDelayMs) };
      }
      return { kind: 'failed', attempts: state.attempts, completedAt: event.now, error: event.error };
    case 'release':
      if (state.kind !== 'running' || state.leaseOwner !== event.owner) return undefined;
      return { kind: 'queued', attempts: Math.max(0, state.attempts - 1), runAfter: event.now };
  }
}
