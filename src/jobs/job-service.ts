import { createHash } from 'node:crypto';
import { FerryError, newRequestId } from '../core/index.js';
import { formatModelRef, parseModelRef } from '../registry/index.js';
import { checkCallbackUrl } from './callback-url-guard.js';
import type { Job } from './job.js';
import type { JobInference } from './job-inference.js';
import type { JobStateKind } from './job-state.js';
import type { JobStore } from './job-store.js';

/** A job id chosen by the caller: 1-128 letters, digits, '_', '.', ':' or '-', starting with a letter or digit. */
export const JOB_ID_PATTERN = /^[A-Za-z0-9][\w.:-]{0,127}$/;

/** What a caller submits. */
export interface JobSubmission {
  /** `name`, `name@alias` or `name:3`. */
  readonly model: string;
  /** An Open Inference Protocol v2 inference request. */
  readonly request: unknown;
  readonly callbackUrl?: string | undefined;
  /** The caller's idempotency key; submitting again with it returns the same job. */
  readonly id?: string | undefined;
  readonly submittedBy: string;
}

/** Settings of the job service. */
export interface JobServiceOptions {
  /** `jobs.allowLoopbackCallbacks`. */
  readonly allowLoopbackCallbacks: boolean;
  readonly clock?: () => Date;
  readonly newId?: () => string;
  /** Called after a job is committed (wakes this process's workers). */
  readonly onSubmitted?: () => void;
}

const MAX_LIST_LIMIT = 1000;

/** sha256 of what identifies a submission, to tell a repeat from a different job under the same id. */
function submissionDigest(input: JobSubmission): string {
  const identity = JSON.stringify([input.model, input.callbackUrl ?? null, input.request]);
  return createHash('sha256').update(identity).digest('hex');
}

/**
 * Accepts async inference jobs and reads them back. A submit is checked as a synchronous inference
 * would be (model reference, request against the signature, callback URL), then committed to the
 * store before it is acknowledged.
 */
export class JobService {
  private readonly clock: () => Date;
  private readonly newId: () => string;

  constructor(
    private readonly store: JobStore,
    private readonly inference: JobInference,
    private readonly options: JobServiceOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
    this.newId = options.newId ?? newRequestId;
  }

  /**
   * Accept a job. Resolves once the job is durable, with `created: false` when the caller's id
   * names a job already accepted with the same body (JOB_EXISTS when the body differs).
   */
  async submit(input: JobSubmission): Promise<{ job: Job; created: boolean }> {
    if (input.id !== undefined && !JOB_ID_PATTERN.test(input.id)) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `job id '${input.id.slice(0, 40)}' is invalid: use 1-128 letters, digits, '_', '.', ':' or '-', starting with a letter or digit`,
      );
    }
    const { model, ref } = parseModelRef(input.model);
    if (input.callbackUrl !== undefined) {
      checkCallbackUrl(input.callbackUrl, { allowLoopback: this.options.allowLoopbackCallbacks });
    }
    const digest = submissionDigest(input);
    if (input.id !== undefined) {
      const existing = await this.store.get(input.id, this.clock());
      if (existing !== undefined) return { job: this.sameSubmission(existing, digest), created: false };
    }
    const prepared = await this.inference.prepare(model, ref, input.request);
    const result = await this.store.insert({
      id: input.id ?? this.newId(),
      model: prepared.model,
      modelRef: formatModelRef({ model: prepared.model, ref }),
      version: prepared.version,
      request: input.request,
      requestSha256: digest,
      callbackUrl: input.callbackUrl,
      submittedBy: input.submittedBy,
      now: this.clock(),
    });
    if (!result.created) return { job: this.sameSubmission(result.job, digest), created: false };
    this.options.onSubmitted?.();
    return result;
  }

  /** A job by id (JOB_NOT_FOUND when unknown or past its retention). */
  async get(id: string): Promise<Job> {
    const job = await this.store.get(id, this.clock());
    if (job === undefined) {
      throw new FerryError(
        'JOB_NOT_FOUND',
        `no job '${id.slice(0, 128)}': it was never accepted, or it finished more than jobs.resultTtlMs ago and was deleted`,
        { details: { id: id.slice(0, 128) } },
      );
    }
    return job;
  }

  /** Jobs newest first, optionally of one state or model. */
  list(query: {
    state?: JobStateKind | undefined;
    model?: string | undefined;
    limit?: number | undefined;
  }): Promise<Job[]> {
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new FerryError('INVALID_ARGUMENT', `limit must be an integer from 1 to ${MAX_LIST_LIMIT}`);
    }
    return this.store.list({ state: query.state, model: query.model, limit, now: this.clock() });
  }

  private sameSubmission(job: Job, digest: string): Job {
    if (job.requestSha256 === digest) return job;
    throw new FerryError(
      'JOB_EXISTS',
      `job '${job.id}' was already submitted with a different body; GET /api/v1/jobs/${job.id} shows it, or submit with a new id`,
      { details: { id: job.id } },
    );
  }
}
