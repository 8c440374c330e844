import { toFerryError, type Logger } from '../core/index.js';
import type { ClaimedJob, Job } from './job.js';
import type { JobInference } from './job-inference.js';
import type { JobEvent } from './job-state.js';
import type { JobStore } from './job-store.js';

/** Settings of one run, from the `jobs` configuration. */
export interface JobRunSettings {
  readonly leaseMs: number;
  readonly maxAttempts: number;
  /** Wait before a job that failed with a server error runs again, doubled per attempt. */
  readonly retryDelayMs: number;
}

/** The longest wait before a retry, however many attempts were made. */
const MAX_RETRY_DELAY_MS = 60_000;

/** How the run ended for this worker. */
export type RunOutcome = 'completed' | 'failed' | 'retry' | 'lost-lease' | 'released';

/**
 * One claimed job running on this worker: runs the inference while renewing the lease every third
 * of `leaseMs`, then records the result or error with a compare-and-set on the lease. Every write of
 * the run goes through one chain, so a heartbeat never races the final write. `release()` gives the
 * job back (server shutdown) and makes any later result of this run be dropped.
 */
export class JobRun {
  private current: Job;
  private readonly owner: string;
  private writes: Promise<unknown> = Promise.resolve();
  private over = false;
  private lost = false;
  private released = false;
  /** Settles when the run is over for this worker (its result written, dropped, or released). */
  readonly done: Promise<RunOutcome>;

  constructor(
    claimed: ClaimedJob,
    private readonly store: JobStore,
    private readonly inference: JobInference,
    private readonly settings: JobRunSettings,
    private readonly logger: Logger,
    private readonly clock: () => Date,
  ) {
    if (claimed.job.state.kind !== 'running') throw new Error(`job '${claimed.job.id}' is not running`);
    this.current = claimed.job;
    this.owner = claimed.job.state.leaseOwner;
    this.done = this.run(claimed.request);
  }

  get job(): Job {
    return this.current;
  }

  /** Give the job back to the queue now (this attempt is not counted); the run's result is dropped. */
  release(): Promise<void> {
    return this.write(async () => {
      if (this.over || this.lost || this.released) return;
      this.released = true;
      const written = await this.store.transition(this.current, {
        kind: 'release',
        owner: this.owner,
        now: this.clock(),
      });
      if (written !== undefined) this.current = written;
      this.logger.info({ job: this.current.id }, 'job released at shutdown; another worker will run it');
    });
  }

  private write<T>(work: () => Promise<T>): Promise<T> {
    const next = this.writes.then(work);
    this.writes = next.catch(() => undefined);
    return next;
  }

  private async run(request: unknown): Promise<RunOutcome> {
    const job = this.current;
    const heartbeat = setInterval(
      () => {
        this.write(() => this.renew()).catch((error: unknown) =>
          this.logger.warn(
            { job: job.id, err: error },
            'job lease renewal failed; retrying at the next heartbeat',
          ),
        );
      },
      Math.max(1, Math.floor(this.settings.leaseMs / 3)),
    );
    heartbeat.unref();
    const started = performance.now();
    let outcome: { result: unknown } | { error: unknown };
    try {
      outcome = {
        result: await this.inference.run(job.model, job.version, request, {
          jobId: job.id,
          submittedBy: job.submittedBy,
        }),
      };
    } catch (error) {
      outcome = { error };
    } finally {
      clearInterval(heartbeat);
    }
    const ms = Math.round(performance.now() - started);
    return this.write(async () => {
      this.over = true;
      if (this.released) return 'released';
      if (this.lost) return 'lost-lease';
      const event = this.finalEvent(outcome);
      const written = await this.store.transition(this.current, event);
      if (written === undefined) {
        this.logger.warn(
          { job: job.id, attempt: this.current.state.attempts },
          'job lease was lost before the run ended; its result is dropped and another worker runs it',
        );
        return 'lost-lease';
      }
      this.current = written;
      const log = {
        job: job.id,
        model: job.model,
        version: job.version,
        attempt: written.state.attempts,
        ms,
      };
      switch (written.state.kind) {
        case 'completed':
          this.logger.info(log, 'job completed');
          return 'completed';
        case 'failed':
          this.logger.warn(
            { ...log, code: written.state.error.code },
            `job failed: ${written.state.error.message}`,
          );
          return 'failed';
        case 'queued':
        case 'running':
          this.logger.warn(
            { ...log, err: 'error' in outcome ? outcome.error : undefined },
            'job failed; it will run again',
          );
          return 'retry';
      }
    });
  }

  private async renew(): Promise<void> {
    if (this.over || this.lost || this.released) return;
    const renewed = await this.store.transition(this.current, {
      kind: 'renew',
      owner: this.owner,
      now: this.clock(),
      leaseMs: this.settings.leaseMs,
    });
    if (renewed !== undefined) {
      this.current = renewed;
      return;
    }
    this.lost = true;
    this.logger.warn(
      { job: this.current.id },
      'job lease expired and another worker claimed it (jobs.leaseMs too short, or this process stalled)',
    );
  }

  private finalEvent(outcome: { result: unknown } | { error: unknown }): JobEvent {
    const now = this.clock();
    if ('result' in outcome) return { kind: 'succeed', owner: this.owner, now, result: outcome.result };
    const error = toFerryError(outcome.error);
    const attempts = this.current.state.attempts;
    return {
      kind: 'fail',
      owner: this.owner,
      now,
      error: { code: error.code, message: error.message },
      // A 4xx is the request's fault: running it again would fail the same way.
      retryable: error.status >= 500,
      maxAttempts: this.settings.maxAttempts,
      retryDelayMs: Math.min(MAX_RETRY_DELAY_MS, this.settings.retryDelayMs * 2 ** Math.max(0, attempts - 1)),
    };
  }
}
