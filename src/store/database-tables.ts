import type { Generated } from 'kysely';

/**
 * Row types of Ferry's tables, as both dialects return them. Timestamps are ISO-8601 text and JSON
 * documents are text, so one query path serves SQLite and Postgres alike. Integer columns come
 * back as JavaScript numbers in both dialects (the Postgres pool parses `bigint` as a number).
 */
export interface Tables {
  models: ModelsTable;
  model_versions: ModelVersionsTable;
  aliases: AliasesTable;
  alias_events: AliasEventsTable;
  jobs: JobsTable;
}

/** A model: a name that groups versions. */
export interface ModelsTable {
  name: string;
  description: string;
  created_at: string;
  created_by: string;
  /** Highest version number ever allocated; numbers are never reused, even after a delete. */
  last_version: Generated<number>;
}

/** An immutable model version; only `tags_json` changes after insert. */
export interface ModelVersionsTable {
  model_name: string;
  version: number;
  sha256: string;
  size_bytes: number;
  format: string;
  created_at: string;
  created_by: string;
  signature_json: string;
  lineage_json: string;
  card: string | null;
  tags_json: string;
  onnx_json: string;
}

/** The current target of each alias. */
export interface AliasesTable {
  model_name: string;
  alias: string;
  version: number;
  updated_at: string;
  updated_by: string;
}

/** Every alias move, append-only. */
export interface AliasEventsTable {
  id: Generated<number>;
  model_name: string;
  alias: string;
  from_version: number | null;
  to_version: number | null;
  actor: string;
  reason: string | null;
  at: string;
}

/**
 * One async inference job: its request, its place in the durable queue, its result or error, and
 * the delivery of its callback. `state` is 'queued', 'running', 'completed' or 'failed';
 * `callback_state` is null (no callback), 'pending', 'sending', 'delivered' or 'failed'.
 */
export interface JobsTable {
  id: string;
  model_name: string;
  /** The model reference as submitted, normalised: `name`, `name@alias` or `name:3`. */
  model_ref: string;
  /** The version the reference resolved to at submit; every attempt runs this one. */
  version: number;
  request_json: string;
  /** sha256 of the submitted body, to tell a repeated submit from a different one under the same id. */
  request_sha256: string;
  callback_url: string | null;
  submitted_by: string;
  state: string;
  /** Claims so far (a lease given back at shutdown is not counted). */
  attempts: Generated<number>;
  /** A queued job is not claimed before this time (retry backoff). */
  run_after: string;
  /** Token of the claim that holds the job; unique per claim, so a stale worker cannot write. */
  lease_owner: string | null;
  lease_expires_at: string | null;
  result_json: string | null;
  error_code: string | null;
  error_message: string | null;
  callback_state: string | null;
  callback_attempts: Generated<number>;
  /** When the pending callback is due, when the sending claim lapses, or when it was delivered. */
  callback_at: string | null;
  callback_error: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  /** When a finished job is deleted (completed_at + jobs.resultTtlMs). */
  expires_at: string | null;
}
