import type { Selectable } from 'kysely';
import { errorCatalog, type ErrorCode } from '../core/index.js';
import type { Tables } from '../store/index.js';
import type { CallbackState } from './callback-state.js';
import type { Job } from './job.js';
import type { JobState } from './job-state.js';

type JobsRow = Selectable<Tables['jobs']>;

/** A jobs row without its (possibly large) request, and with its result only when it was read. */
export type JobRow = Omit<JobsRow, 'request_json' | 'result_json'> & { readonly result_json?: string | null };

/** Every column but the request and result: what listing and claiming read. */
export const JOB_SUMMARY_COLUMNS = [
  'id',
  'model_name',
  'model_ref',
  'version',
  'request_sha256',
  'callback_url',
  'submitted_by',
  'state',
  'attempts',
  'run_after',
  'lease_owner',
  'lease_expires_at',
  'error_code',
  'error_message',
  'callback_state',
  'callback_attempts',
  'callback_at',
  'callback_error',
  'created_at',
  'updated_at',
  'completed_at',
  'expires_at',
] as const satisfies readonly (keyof JobsRow)[];

/**
 * Columns that change with the job's state (the rest are written once, at insert). `run_after` is
 * only written for a queued job.
 */
export type JobStateColumns = { run_after?: string } & Pick<
  JobsRow,
  | 'state'
  | 'attempts'
  | 'lease_owner'
  | 'lease_expires_at'
  | 'result_json'
  | 'error_code'
  | 'error_message'
  | 'completed_at'
  | 'expires_at'
>;

/** Columns of the callback delivery state. */
export type CallbackColumns = Pick<
  JobsRow,
  'callback_state' | 'callback_attempts' | 'callback_at' | 'callback_error'
>;

const iso = (date: Date): string => date.toISOString();

function requireText(value: string | null, column: string, id: string): string {
  if (value === null) throw new Error(`job '${id}' has no ${column} in its state; the row is corrupt`);
  return value;
}

const errorCode = (code: string | null): ErrorCode =>
  code !== null && Object.hasOwn(errorCatalog, code) ? (code as ErrorCode) : 'INTERNAL';

/** Read the job state out of a row. */
export function stateOfRow(row: JobRow): JobState {
  const attempts = row.attempts;
  switch (row.state) {
    case 'queued':
      return { kind: 'queued', attempts, runAfter: new Date(row.run_after) };
    case 'running':
      return {
        kind: 'running',
        attempts,
        leaseOwner: requireText(row.lease_owner, 'lease_owner', row.id),
        leaseExpiresAt: new Date(requireText(row.lease_expires_at, 'lease_expires_at', row.id)),
      };
    case 'completed':
      return {
        kind: 'completed',
        attempts,
        completedAt: new Date(requireText(row.completed_at, 'completed_at', row.id)),
        result:
          row.result_json === undefined || row.result_json === null
            ? undefined
            : (JSON.parse(row.result_json) as unknown),
      };
    case 'failed':
      return {
        kind: 'failed',
        attempts,
        completedAt: new Date(requireText(row.completed_at, 'completed_at', row.id)),
        error: { code: errorCode(row.error_code), message: row.error_message ?? 'failed' },
      };
    default:
      throw new Error(`job '${row.id}' has state '${row.state}', which this Ferry does not know`);
  }
}

/** Read the callback delivery state out of a row. */
export function callbackOfRow(row: JobRow): CallbackState | undefined {
  const attempts = row.callback_attempts;
  const lastError = row.callback_error ?? undefined;
  switch (row.callback_state) {
    case null:
      return undefined;
    case 'pending':
      return {
        kind: 'pending',
        attempts,
        dueAt: new Date(requireText(row.callback_at, 'callback_at', row.id)),
        lastError,
      };
    case 'sending':
      return {
        kind: 'sending',
        attempts,
        leaseExpiresAt: new Date(requireText(row.callback_at, 'callback_at', row.id)),
        lastError,
      };
    case 'delivered':
      return {
        kind: 'delivered',
        attempts,
        deliveredAt: new Date(requireText(row.callback_at, 'callback_at', row.id)),
      };
    case 'failed':
      return { kind: 'failed', attempts, error: lastError ?? 'failed' };
    default:
      throw new Error(
        `job '${row.id}' has callback state '${row.callback_state}', which this Ferry does not know`,
      );
  }
}

/** Map a row to a job. */
export function rowToJob(row: JobRow): Job {
  return {
    id: row.id,
    model: row.model_name,
    modelRef: row.model_ref,
    version: row.version,
    callbackUrl: row.callback_url ?? undefined,
    submittedBy: row.submitted_by,
    requestSha256: row.request_sha256,
    state: stateOfRow(row),
    callback: callbackOfRow(row),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    expiresAt: row.expires_at === null ? undefined : new Date(row.expires_at),
  };
}

/** The columns that store a job state; a finished state also gets its deletion time. */
export function jobStateColumns(state: JobState, resultTtlMs: number): JobStateColumns {
  const base = {
    state: state.kind,
    attempts: state.attempts,
    lease_owner: null,
    lease_expires_at: null,
    result_json: null,
    error_code: null,
    error_message: null,
    completed_at: null,
    expires_at: null,
  };
  switch (state.kind) {
    case 'queued':
      return { ...base, run_after: iso(state.runAfter) };
    case 'running':
      return {
        ...base,
        lease_owner: state.leaseOwner,
        lease_expires_at: iso(state.leaseExpiresAt),
      };
    case 'completed':
    case 'failed': {
      const finished = {
        ...base,
        completed_at: iso(state.completedAt),
        expires_at: iso(new Date(state.completedAt.getTime() + resultTtlMs)),
      };
      return state.kind === 'completed'
        ? { ...finished, result_json: JSON.stringify(state.result) }
        : { ...finished, error_code: state.error.code, error_message: state.error.message };
    }
  }
}

/** The columns that store a callback delivery state. */
export function callbackColumns(callback: CallbackState | undefined): CallbackColumns {
  if (callback === undefined) {
    return { callback_state: null, callback_attempts: 0, callback_at: null, callback_error: null };
  }
  const base = { callback_state: callback.kind, callback_attempts: callback.attempts };
  switch (callback.kind) {
    case 'pending':
      return { ...base, callback_at: iso(callback.dueAt), callback_error: callback.lastError ?? null };
    case 'sending':
      return {
        ...base,
        callback_at: iso(callback.leaseExpiresAt),
        callback_error: callback.lastError ?? null,
      };
    case 'delivered':
      return { ...base, callback_at: iso(callback.deliveredAt), callback_error: null };
    case 'failed':
      return { ...base, callback_at: null, callback_error: callback.error };
  }
}
