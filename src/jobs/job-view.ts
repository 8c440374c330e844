import type { Job } from './job.js';
import type { JobError, JobStateKind } from './job-state.js';

/** How a callback's delivery looks to API callers: 'pending' until delivered or given up. */
export interface CallbackView {
  readonly url: string;
  readonly state: 'pending' | 'delivered' | 'failed';
  /** Deliveries started so far. */
  readonly attempts: number;
  readonly deliveredAt?: string;
  /** Why the last delivery failed. */
  readonly error?: string;
}

/** A job as `GET /api/v1/jobs/{id}` answers it, and as its callback receives it. */
export interface JobView {
  readonly id: string;
  readonly model: string;
  readonly version: number;
  /** The model reference as submitted (`name`, `name@alias` or `name:3`). */
  readonly ref: string;
  readonly state: JobStateKind;
  /** Runs started so far (a retry after a server error or an expired lease adds one). */
  readonly attempts: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  readonly completedAt?: string;
  /** When the finished job and its result are deleted. */
  readonly expiresAt?: string;
  /** The inference response, as `POST /v2/models/{model}/versions/{version}/infer` answers it. */
  readonly result?: unknown;
  readonly error?: JobError;
  readonly callback?: CallbackView;
}

function callbackView(job: Job): CallbackView | undefined {
  if (job.callbackUrl === undefined) return undefined;
  const callback = job.callback;
  const url = job.callbackUrl;
  if (callback === undefined) return { url, state: 'pending', attempts: 0 };
  switch (callback.kind) {
    case 'pending':
    case 'sending':
      return {
        url,
        state: 'pending',
        attempts: callback.attempts,
        ...(callback.lastError === undefined ? {} : { error: callback.lastError }),
      };
    case 'delivered':
      return {
        url,
        state: 'delivered',
        attempts: callback.attempts,
        deliveredAt: callback.deliveredAt.toISOString(),
      };
    case 'failed':
      return { url, state: 'failed', attempts: callback.attempts, error: callback.error };
  }
}

/** The API view of a job; `result` only when asked for (a listing leaves results out). */
export function jobView(job: Job, options: { withResult: boolean } = { withResult: true }): JobView {
  const { state } = job;
  const callback = callbackView(job);
  return {
    id: job.id,
    model: job.model,
    version: job.version,
    ref: job.modelRef,
    state: state.kind,
    attempts: state.attempts,
    createdAt: job.createdAt.toISOString(),
    updatedAt: job.updatedAt.toISOString(),
    ...(state.kind === 'completed' || state.kind === 'failed'
      ? { completedAt: state.completedAt.toISOString() }
      : {}),
    ...(job.expiresAt === undefined ? {} : { expiresAt: job.expiresAt.toISOString() }),
    ...(state.kind === 'completed' && options.withResult ? { result: state.result } : {}),
    ...(state.kind === 'failed' ? { error: state.error } : {}),
    ...(callback === undefined ? {} : { callback }),
  };
}
