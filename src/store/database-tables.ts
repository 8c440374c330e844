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
  // --- monitoring (src/monitoring): prediction log and feedback ---
  predictions: PredictionsTable;
  prediction_layouts: PredictionLayoutsTable;
  prediction_segments: PredictionSegmentsTable;
  prediction_keys: PredictionKeysTable;
  feedback: FeedbackTable;
  monitoring_secrets: MonitoringSecretsTable;
  // --- end monitoring ---
  // --- alerts (src/monitoring/alerts) ---
  alert_states: AlertStatesTable;
  alert_events: AlertEventsTable;
  alert_deliveries: AlertDeliveriesTable;
  // --- end alerts ---
  // --- profiles (src/monitoring/profiles): reference and live profiles ---
  reference_profiles: ReferenceProfilesTable;
  live_profiles: LiveProfilesTable;
  // --- end profiles ---
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

// --- alerts (src/monitoring/alerts) ---

/**
 * The current state of one alert rule for one model. `state` is 'inactive', 'pending', 'firing' or
 * 'resolved'; `window_start`/`window_end` is the last window evaluated (each window once).
 */
export interface AlertStatesTable {
  rule_name: string;
  model_name: string;
  state: string;
  /** When a pending or firing alert began, or when a resolved one resolved (a window end). */
  since: string | null;
  /** The breaching readings of the current run (pending), or those that made it fire (firing). */
  breaches_json: string;
  /** The model version of the last reading, when the metric source named one. */
  version: number | null;
  /** The value of the last reading; null when the last window gave no verdict. */
  last_value: number | null;
  last_rows: number | null;
  window_start: string;
  window_end: string;
  updated_at: string;
}

/** Every change of an alert's state, append-only; unique per (rule, model, window end). */
export interface AlertEventsTable {
  id: Generated<number>;
  rule_name: string;
  model_name: string;
  version: number | null;
  from_state: string;
  to_state: string;
  metric: string;
  feature: string | null;
  op: string;
  severity: string;
  value: number | null;
  threshold: number;
  window_start: string;
  window_end: string;
  /** The readings behind the change (for a firing alert, the breaching windows). */
  readings_json: string;
  at: string;
}

/**
 * One notification (to a webhook) or retraining trigger of an alert event, delivered with retries.
 * `state` is 'pending', 'sending', 'delivered' or 'failed' (the jobs callback machine).
 */
export interface AlertDeliveriesTable {
  /** A UUID, sent as `x-ferry-delivery` (the same on every retry, so receivers can deduplicate). */
  id: string;
  event_id: number;
  /** `webhook:<name>` or `retrain`. */
  channel: string;
  /** `alert.firing` or `alert.resolved`. */
  event_type: string;
  payload_json: string;
  state: string;
  attempts: Generated<number>;
  /** When a pending delivery is due, when a sending claim lapses, or when it was delivered. */
  state_at: string | null;
  last_error: string | null;
  /** What the last attempt gave: `HTTP 204`, `exit code 0`, or why it failed. */
  outcome: string | null;
  created_at: string;
  updated_at: string;
}
// --- end alerts ---

/**
 * One logged prediction, as stored before segments (migration 0007): kept only so the server can
 * move such rows into `prediction_segments` at start (src/monitoring/log/legacy-import.ts).
 * One row of one inference request, after redaction. `request_id` is the
 * request's id (`x-request-id`), suffixed `#<row>` for each row of a multi-row request; feedback
 * joins on it. `status` is 'ok' or 'error'.
 */
export interface PredictionsTable {
  /** Insertion order: the tiebreak of listings and what row-count retention trims by. */
  id: Generated<number>;
  request_id: string;
  at: string;
  model: string;
  version: number;
  /** Named input features after redaction (JSON object); without those packed in `features_f32`. */
  features_json: string;
  /** The layout of the packed features (`prediction_layouts.id`), or null when none are packed. */
  layout_id: number | null;
  /** Numeric inputs read from FP32 tensors, float32 little-endian in layout order (NaN: missing). */
  features_f32: Buffer | null;
  /** Named outputs after redaction (JSON object). */
  outputs_json: string;
  latency_ms: number;
  status: string;
  code: string | null;
  caller: string;
  /** Input-validation reasons (JSON array), or null. */
  flags_json: string | null;
}

/**
 * How the packed features of logged predictions are laid out: `layout_json` is
 * `{"order": [every stored input feature, in feature order], "packed": [names of the float32 values]}`,
 * found by `digest` (its SHA-256). Written once per distinct layout; never deleted.
 */
export interface PredictionLayoutsTable {
  id: Generated<number>;
  digest: string;
  layout_json: string;
}

/**
 * The predictions of one model version from one flush of the prediction log, column by column
 * (src/monitoring/log/segment-codec.ts). `first_at`/`last_at` bound its rows' times (ISO-8601).
 */
export interface PredictionSegmentsTable {
  /** Insertion order: the tiebreak of rows logged at the same millisecond. */
  id: Generated<number>;
  model: string;
  version: number;
  first_at: string;
  last_at: string;
  rows: number;
  /** The rows' request ids, one per line. */
  request_ids: string;
  /** Per row: time (ms, float64), latency (ms, float64), marks (uint8). */
  summary: Buffer;
  /** Callers, codes, flags, features and outputs (see the codec). */
  body: Buffer;
}

/** Which segments may hold a request id: one row per segment and key (see segment-keys.ts). */
export interface PredictionKeysTable {
  key: string;
  segment_id: number;
}

/** Ground truth for one prediction, by its request id; a later submission replaces an earlier one. */
export interface FeedbackTable {
  request_id: string;
  /** The model and version of the prediction it answers, copied when the feedback is stored. */
  model: string;
  version: number;
  /** The true label (JSON string, number or boolean), or null. */
  label_json: string | null;
  /** The true value (regression), or null. */
  value: number | null;
  /** When the outcome was observed (given by the caller, else when it was received). */
  at: string;
  received_at: string;
  /** The prediction segment holding the request (null for feedback stored before segments). */
  segment_id: number | null;
}

/** Secrets monitoring keeps per database, e.g. the salt of hashed fields (`name` = 'hash-salt'). */
export interface MonitoringSecretsTable {
  name: string;
  value: string;
  created_at: string;
}

// --- profiles (src/monitoring/profiles) ---

/** The reference profile of one version, computed from a reference dataset (training or validation data). */
export interface ReferenceProfilesTable {
  model: string;
  version: number;
  /** The profile (`VersionProfileJson`: per feature and output, mergeable sketches). */
  profile_json: string;
  /** Name of the dataset it was computed from (a file name, or what the caller named it). */
  source: string;
  /** `sha256:<hex>` of the dataset's bytes. */
  digest: string;
  /** Rows of the dataset. */
  rows: number;
  /** What was left out and why (JSON array of text): ignored columns, outputs not profiled. */
  notes_json: string;
  created_at: string;
  created_by: string;
}

/**
 * The live profile of one version over one monitoring window, as seen by one replica: the replica
 * rewrites its row (cumulative) on each flush; readers merge the rows of every replica and window.
 */
export interface LiveProfilesTable {
  model: string;
  version: number;
  /** Window start and end (ISO-8601), aligned to the Unix epoch by `monitoring.windowMs`. */
  window_start: string;
  window_end: string;
  /** The writing replica (host, process and a random suffix made at start). */
  replica: string;
  /** The profile (`VersionProfileJson`). */
  profile_json: string;
  /** Predictions (rows) profiled. */
  rows: number;
  updated_at: string;
}
// --- end profiles ---
