import type { CallbackState } from './callback-state.js';
import type { JobState } from './job-state.js';

/** An async inference job as the store holds it (its request body is read separately). */
export interface Job {
  readonly id: string;
  /** The model name. */
  readonly model: string;
  /** The reference as submitted, normalised: `name`, `name@alias` or `name:3`. */
  readonly modelRef: string;
  /** The version the reference resolved to when the job was accepted; every attempt runs it. */
  readonly version: number;
  readonly callbackUrl: string | undefined;
  readonly submittedBy: string;
  /** sha256 of the submitted body, to recognise a repeated submit under the same id. */
  readonly requestSha256: string;
  readonly state: JobState;
  /** Delivery of the callback; undefined until the job finishes, or when it has no callback URL. */
  readonly callback: CallbackState | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  /** When a finished job is deleted; undefined while it is not finished. */
  readonly expiresAt: Date | undefined;
}

/** What the store needs to accept a job. */
export interface NewJob {
  readonly id: string;
  readonly model: string;
  readonly modelRef: string;
  readonly version: number;
  readonly request: unknown;
  readonly requestSha256: string;
  readonly callbackUrl: string | undefined;
  readonly submittedBy: string;
  readonly now: Date;
}

/** A job a worker holds a lease on, with the request to run. */
export interface ClaimedJob {
  readonly job: Job;
  readonly request: unknown;
}
