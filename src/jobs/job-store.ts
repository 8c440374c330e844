import type { ExpressionBuilder, Kysely, Transaction, UpdateQueryBuilder, UpdateResult } from 'kysely';
import { withTransaction, type FerryDatabase, type Tables } from '../store/index.js';
import {
  callbackOnFinish,
  nextCallbackState,
  type CallbackEvent,
  type CallbackState,
} from './callback-state.js';
import type { ClaimedJob, Job, NewJob } from './job.js';
import { callbackColumns, JOB_SUMMARY_COLUMNS, jobStateColumns, rowToJob } from './job-row-mapper.js';
import {
  isFinished,
  nextJobState,
  queuedJob,
  type JobEvent,
  type JobState,
  type JobStateKind,
} from './job-state.js';

type Executor = Kysely<Tables> | Transaction<Tables>;
type JobsUpdate = UpdateQueryBuilder<Tables, 'jobs', 'jobs', UpdateResult>;

/** How many claimable rows a SQLite claim looks at before giving up until the next poll. */
const SQLITE_CLAIM_CANDIDATES = 16;

const iso = (date: Date): string => date.toISOString();

/** Settings of a JobStore. */
export interface JobStoreOptions {
  /** How long a finished job stays readable (`jobs.resultTtlMs`). */
  readonly resultTtlMs: number;
}

/** Filters of a job listing. */
export interface JobListQuery {
  readonly state?: JobStateKind | undefined;
  readonly model?: string | undefined;
  readonly limit: number;
  readonly now: Date;
}

/** A queued job whose time has come, or a running one whose lease lapsed. */
const claimable = (now: string) => (eb: ExpressionBuilder<Tables, 'jobs'>) =>
  eb.or([
    eb.and([eb('state', '=', 'queued'), eb('run_after', '<=', now)]),
    eb.and([eb('state', '=', 'running'), eb('lease_expires_at', '<', now)]),
  ]);

/** A callback due for delivery, or one whose delivering worker's claim lapsed. */
const callbackDue = (now: string) => (eb: ExpressionBuilder<Tables, 'jobs'>) =>
  eb.or([
    eb.and([eb('callback_state', '=', 'pending'), eb('callback_at', '<=', now)]),
    eb.and([eb('callback_state', '=', 'sending'), eb('callback_at', '<', now)]),
  ]);

/** Not yet past its retention time. */
const notExpired = (now: string) => (eb: ExpressionBuilder<Tables, 'jobs'>) =>
  eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]);

/** Compare-and-set on the job state as read: the update only applies if nobody changed it since. */
function whereJobStateIs(query: JobsUpdate, state: JobState): JobsUpdate {
  const same = query.where('state', '=', state.kind).where('attempts', '=', state.attempts);
  switch (state.kind) {
    case 'queued':
      return same.where('run_after', '=', iso(state.runAfter));
    case 'running':
      return same
        .where('lease_owner', '=', state.leaseOwner)
        .where('lease_expires_at', '=', iso(state.leaseExpiresAt));
    case 'completed':
    case 'failed':
      return same.where('completed_at', '=', iso(state.completedAt));
  }
}

/** Compare-and-set on the callback state as read. */
function whereCallbackIs(query: JobsUpdate, callback: CallbackState | undefined): JobsUpdate {
  const columns = callbackColumns(callback);
  return query
    .where('callback_state', columns.callback_state === null ? 'is' : '=', columns.callback_state)
    .where('callback_attempts', '=', columns.callback_attempts)
    .where('callback_at', columns.callback_at === null ? 'is' : '=', columns.callback_at);
}

const updatedOne = (result: UpdateResult | undefined): boolean => Number(result?.numUpdatedRows ?? 0) === 1;

/**
 * The durable job queue in the metadata database. Every change is a compare-and-set of the state
 * the caller read, computed by the pure machines in `job-state.ts` and `callback-state.ts`: a write
 * from a worker that lost its lease (or lost a race to claim) changes nothing and returns undefined.
 * Claiming takes `FOR UPDATE SKIP LOCKED` rows on Postgres, and relies on the compare-and-set of a
 * conditional UPDATE on SQLite, where one process writes at a time anyway.
 */
export class JobStore {
  constructor(
    private readonly database: FerryDatabase,
    private readonly options: JobStoreOptions,
  ) {}

  /**
   * Accept a job, committed before this returns. When a job with the same id exists and has not
   * expired, nothing is written and that job is returned with `created: false`.
   */
  insert(input: NewJob): Promise<{ job: Job; created: boolean }> {
    const now = iso(input.now);
    const state = queuedJob(input.now);
    return withTransaction(this.database.db, async (trx) => {
      const existing = await trx
        .selectFrom('jobs')
        .select([...JOB_SUMMARY_COLUMNS, 'result_json'])
        .where('id', '=', input.id)
        .executeTakeFirst();
      if (existing !== undefined) {
        if (existing.expires_at === null || existing.expires_at > now) {
          return { job: rowToJob(existing), created: false };
        }
        // Past its retention but not yet swept: the id is free again.
        await trx.deleteFrom('jobs').where('id', '=', input.id).execute();
      }
      const row = {
        id: input.id,
        model_name: input.model,
        model_ref: input.modelRef,
        version: input.version,
        request_sha256: input.requestSha256,
        callback_url: input.callbackUrl ?? null,
        submitted_by: input.submittedBy,
        ...jobStateColumns(state, this.options.resultTtlMs),
        run_after: now,
        ...callbackColumns(undefined),
        created_at: now,
        updated_at: now,
      };
      await trx
        .insertInto('jobs')
        .values({ ...row, request_json: JSON.stringify(input.request) })
        .execute();
      return { job: rowToJob(row), created: true };
    });
  }

  /** A job with its result, or undefined when there is none (or it expired). */
  async get(id: string, now: Date): Promise<Job | undefined> {
    const row = await this.database.db
      .selectFrom('jobs')
      .select([...JOB_SUMMARY_COLUMNS, 'result_json'])
      .where('id', '=', id)
      .where(notExpired(iso(now)))
      .executeTakeFirst();
    return row === undefined ? undefined : rowToJob(row);
  }

  /** How many unexpired jobs are in each state (for the `ferry_jobs` gauge). */
  async countByState(now: Date): Promise<Record<string, number>> {
    const rows = await this.database.db
      .selectFrom('jobs')
      .select(['state', (eb) => eb.fn.countAll<number | string>().as('count')])
      .where(notExpired(iso(now)))
      .groupBy('state')
      .execute();
    const counts: Record<string, number> = { queued: 0, running: 0, completed: 0, failed: 0 };
    for (const row of rows) counts[row.state] = Number(row.count);
    return counts;
  }

  /** Jobs newest first, without their results. */
  async list(query: JobListQuery): Promise<Job[]> {
    let select = this.database.db
      .selectFrom('jobs')
      .select(JOB_SUMMARY_COLUMNS)
      .where(notExpired(iso(query.now)))
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(query.limit);
    if (query.state !== undefined) select = select.where('state', '=', query.state);
    if (query.model !== undefined) select = select.where('model_name', '=', query.model);
    return (await select.execute()).map(rowToJob);
  }

  /**
   * Claim the oldest claimable job for `owner`, or return undefined when there is none. A job
   * whose lease lapsed `maxAttempts` times is failed on the way (see `nextJobState`).
   */
  async claim(
    owner: string,
    now: Date,
    leaseMs: number,
    maxAttempts: number,
  ): Promise<ClaimedJob | undefined> {
    const event: JobEvent = { kind: 'claim', owner, now, leaseMs, maxAttempts };
    const claimed =
      this.database.dialect === 'postgres'
        ? await withTransaction(this.database.db, (trx) => this.claimLocked(trx, event))
        : await this.claimOptimistic(event);
    if (claimed === undefined) return undefined;
    const { request_json } = await this.database.db
      .selectFrom('jobs')
      .select('request_json')
      .where('id', '=', claimed.id)
      .executeTakeFirstOrThrow();
    return { job: claimed, request: JSON.parse(request_json) as unknown };
  }

  /** Postgres: lock one claimable row at a time, skipping rows other claimers hold. */
  private async claimLocked(trx: Transaction<Tables>, event: Extract<JobEvent, { kind: 'claim' }>) {
    for (;;) {
      const row = await trx
        .selectFrom('jobs')
        .select(JOB_SUMMARY_COLUMNS)
        .where(claimable(iso(event.now)))
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (row === undefined) return undefined;
      const written = await this.apply(trx, rowToJob(row), event);
      if (written?.state.kind === 'running') return written;
    }
  }

  /** SQLite: a conditional UPDATE per candidate; the first that changes a row wins it. */
  private async claimOptimistic(event: Extract<JobEvent, { kind: 'claim' }>): Promise<Job | undefined> {
    const rows = await this.database.db
      .selectFrom('jobs')
      .select(JOB_SUMMARY_COLUMNS)
      .where(claimable(iso(event.now)))
      .orderBy('created_at')
      .orderBy('id')
      .limit(SQLITE_CLAIM_CANDIDATES)
      .execute();
    for (const row of rows) {
      const written = await this.apply(this.database.db, rowToJob(row), event);
      if (written?.state.kind === 'running') return written;
    }
    return undefined;
  }

  /**
   * Apply `event` to `job` as the caller read it. Returns the job as written, or undefined when the
   * event does not apply or the stored state is no longer the one read (a lost lease, a lost race):
   * a late duplicate completion never overwrites a result.
   */
  transition(job: Job, event: JobEvent): Promise<Job | undefined> {
    return this.apply(this.database.db, job, event);
  }

  private async apply(executor: Executor, job: Job, event: JobEvent): Promise<Job | undefined> {
    const next = nextJobState(job.state, event);
    if (next === undefined) return undefined;
    const finishing = isFinished(next) && !isFinished(job.state);
    const callback = finishing ? callbackOnFinish(job.callbackUrl, next.completedAt) : job.callback;
    const query = executor
      .updateTable('jobs')
      .set({
        ...jobStateColumns(next, this.options.resultTtlMs),
        ...(finishing ? callbackColumns(callback) : {}),
        updated_at: iso(event.now),
      })
      .where('id', '=', job.id);
    if (!updatedOne(await whereJobStateIs(query, job.state).executeTakeFirst())) return undefined;
    return {
      ...job,
      state: next,
      callback,
      updatedAt: event.now,
      expiresAt: isFinished(next)
        ? new Date(next.completedAt.getTime() + this.options.resultTtlMs)
        : undefined,
    };
  }

  /** Claim one callback due for delivery (oldest due first), or undefined when none is. */
  async claimCallback(now: Date, leaseMs: number, maxAttempts: number): Promise<Job | undefined> {
    const event: CallbackEvent = { kind: 'claim', now, leaseMs, maxAttempts };
    const rows = await this.database.db
      .selectFrom('jobs')
      .select([...JOB_SUMMARY_COLUMNS, 'result_json'])
      .where(callbackDue(iso(now)))
      .orderBy('callback_at')
      .orderBy('id')
      .limit(SQLITE_CLAIM_CANDIDATES)
      .execute();
    for (const row of rows) {
      const written = await this.transitionCallback(rowToJob(row), event);
      if (written?.callback?.kind === 'sending') return written;
    }
    return undefined;
  }

  /** Apply a callback event to the job's callback state as read (compare-and-set, like `transition`). */
  async transitionCallback(job: Job, event: CallbackEvent): Promise<Job | undefined> {
    if (job.callback === undefined) return undefined;
    const next = nextCallbackState(job.callback, event);
    if (next === undefined) return undefined;
    const query = this.database.db
      .updateTable('jobs')
      .set({ ...callbackColumns(next), updated_at: iso(event.now) })
      .where('id', '=', job.id);
    if (!updatedOne(await whereCallbackIs(query, job.callback).executeTakeFirst())) return undefined;
    return { ...job, callback: next, updatedAt: event.now };
  }

  /**
   * Delete finished jobs past their retention time, except those whose callback is still to be
   * delivered. Returns how many were deleted.
   */
  async deleteExpired(now: Date): Promise<number> {
    const result = await this.database.db
      .deleteFrom('jobs')
      .where('expires_at', '<=', iso(now))
      .where((eb) =>
        eb.or([eb('callback_state', 'is', null), eb('callback_state', 'in', ['delivered', 'failed'])]),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }
}
