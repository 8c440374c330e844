import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from '../core/index.js';
import { deliverCallback } from './callback-delivery.js';
import type { CallbackSender } from './callback-sender.js';
import type { JobInference } from './job-inference.js';
import { JobRun } from './job-run.js';
import type { ClaimedJob } from './job.js';
import type { JobStore } from './job-store.js';

/** Settings of a worker pool: the `jobs` configuration, plus a few fixed internals. */
export interface JobWorkerPoolOptions {
  readonly concurrency: number;
  readonly pollIntervalMs: number;
  readonly leaseMs: number;
  readonly maxAttempts: number;
  readonly resultTtlMs: number;
  readonly callbackAttempts: number;
  readonly callbackBackoffMs: number;
  readonly callbackTimeoutMs: number;
  /** Wait before a retry after a server error (doubled per attempt). */
  readonly retryDelayMs?: number;
  /** Callbacks delivered at once. */
  readonly callbackConcurrency?: number;
  /** How often finished jobs past their retention are deleted. */
  readonly cleanupIntervalMs?: number;
}

/** Dependencies of a worker pool. */
export interface JobWorkerPoolDeps {
  readonly store: JobStore;
  readonly inference: JobInference;
  readonly sender: CallbackSender;
  readonly logger: Logger;
  readonly clock?: () => Date;
}

const DEFAULT_RETRY_DELAY_MS = 1000;
const DEFAULT_CALLBACK_CONCURRENCY = 4;
const DEFAULT_CLEANUP_INTERVAL_MS = 60_000;

/**
 * This process's job workers: one poller that claims jobs while fewer than `concurrency` run, and
 * due callbacks while fewer than `callbackConcurrency` are in flight; it sleeps `pollIntervalMs`
 * between rounds unless woken (a job submitted here, a run or delivery over). A periodic sweep
 * deletes finished jobs past `resultTtlMs`. Expired leases of a dead process are claimed like
 * queued jobs, so a restart picks up what a killed process left.
 */
export class JobWorkerPool {
  private readonly workerId = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly runs = new Map<string, JobRun>();
  private readonly deliveries = new Set<Promise<void>>();
  private readonly stopDeliveries = new AbortController();
  private readonly clock: () => Date;
  private phase: 'new' | 'started' | 'stopping' = 'new';
  private woken = false;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();
  private cleanup: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> = Promise.resolve();
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly deps: JobWorkerPoolDeps,
    private readonly options: JobWorkerPoolOptions,
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Jobs running on this process now. */
  get active(): number {
    return this.runs.size;
  }

  /** Start polling and sweeping. */
  start(): void {
    if (this.phase !== 'new') return;
    this.phase = 'started';
    this.loopDone = this.loop();
    const sweepMs =
      this.options.cleanupIntervalMs ?? Math.min(DEFAULT_CLEANUP_INTERVAL_MS, this.options.resultTtlMs);
    this.sweeping = this.sweep();
    this.cleanup = setInterval(() => {
      this.sweeping = this.sweep();
    }, sweepMs);
    this.cleanup.unref();
    this.deps.logger.debug(
      { worker: this.workerId, concurrency: this.options.concurrency },
      'job workers started',
    );
  }

  /** Look for work now instead of at the next poll. */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  /**
   * Stop claiming; let running jobs and deliveries finish for up to `graceMs`, then give the jobs
   * still running back to the queue (another worker or the next start runs them) and cut the
   * deliveries short.
   */
  stop(graceMs: number): Promise<void> {
    return (this.stopped ??= this.stopNow(graceMs));
  }

  private async stopNow(graceMs: number): Promise<void> {
    const wasStarted = this.phase === 'started';
    this.phase = 'stopping';
    clearInterval(this.cleanup);
    if (!wasStarted) return;
    this.notify();
    await this.loopDone;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    const work = [
      ...[...this.runs.values()].map((run) => run.done.then(() => undefined)),
      ...this.deliveries,
    ];
    await Promise.race([Promise.allSettled(work), graceOver]);
    clearTimeout(timer);
    const unfinished = [...this.runs.values()];
    if (unfinished.length > 0) {
      this.deps.logger.warn(
        { jobs: unfinished.map((run) => run.job.id) },
        'jobs still running at shutdown; giving them back to the queue',
      );
    }
    await Promise.allSettled(unfinished.map((run) => run.release()));
    this.stopDeliveries.abort();
    await Promise.allSettled([...this.deliveries, this.sweeping]);
  }

  private async loop(): Promise<void> {
    while (this.phase === 'started') {
      try {
        await this.claimJobs();
        await this.claimCallbacks();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'job poller failed; trying again at the next poll');
      }
      await this.sleep();
    }
  }

  private async claimJobs(): Promise<void> {
    const { store } = this.deps;
    while (this.phase === 'started' && this.runs.size < this.options.concurrency) {
      const owner = `${this.workerId}/${randomUUID().slice(0, 8)}`;
      const claimed = await store.claim(owner, this.clock(), this.options.leaseMs, this.options.maxAttempts);
      if (claimed === undefined) return;
      this.startRun(claimed);
    }
  }

  private startRun(claimed: ClaimedJob): void {
    const run = new JobRun(
      claimed,
      this.deps.store,
      this.deps.inference,
      {
        leaseMs: this.options.leaseMs,
        maxAttempts: this.options.maxAttempts,
        retryDelayMs: this.options.retryDelayMs ?? DEFAULT_RETRY_DELAY_MS,
      },
      this.deps.logger,
      this.clock,
    );
    const { id } = claimed.job;
    this.runs.set(id, run);
    this.deps.logger.debug({ job: id, attempt: claimed.job.state.attempts }, 'job claimed');
    // Claimed while stopping (the poll was under way): give it straight back.
    if (this.phase !== 'started') void run.release();
    run.done
      .catch((error: unknown) =>
        this.deps.logger.error(
          { job: id, err: error },
          'recording a job outcome failed; its lease will expire and it runs again',
        ),
      )
      .finally(() => {
        this.runs.delete(id);
        this.notify();
      });
  }

  private async claimCallbacks(): Promise<void> {
    const limit = this.options.callbackConcurrency ?? DEFAULT_CALLBACK_CONCURRENCY;
    // A delivery's claim outlives its timeout, so a live delivery is never taken over.
    const leaseMs = this.options.callbackTimeoutMs + this.options.leaseMs;
    while (this.phase === 'started' && this.deliveries.size < limit) {
      const job = await this.deps.store.claimCallback(this.clock(), leaseMs, this.options.callbackAttempts);
      if (job === undefined) return;
      const delivery = deliverCallback(
        job,
        { ...this.deps, clock: this.clock },
        { maxAttempts: this.options.callbackAttempts, backoffMs: this.options.callbackBackoffMs },
        this.stopDeliveries.signal,
      )
        .catch((error: unknown) =>
          this.deps.logger.error(
            { job: job.id, err: error },
            'recording a callback delivery failed; it will be tried again',
          ),
        )
        .finally(() => {
          this.deliveries.delete(delivery);
          this.notify();
        });
      this.deliveries.add(delivery);
    }
  }

  private async sweep(): Promise<void> {
    try {
      const deleted = await this.deps.store.deleteExpired(this.clock());
      if (deleted > 0) this.deps.logger.info({ deleted }, 'deleted finished jobs past jobs.resultTtlMs');
    } catch (error) {
      this.deps.logger.warn({ err: error }, 'deleting expired jobs failed; trying again later');
    }
  }

  private sleep(): Promise<void> {
    if (this.woken || this.phase !== 'started') {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs);
      this.wake = done;
    });
  }
}
