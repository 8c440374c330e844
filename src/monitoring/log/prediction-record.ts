import type { FeatureSpec } from '../features/feature-spec.js';
import type { FeatureValue } from '../features/extract-rows.js';
import type { SegmentColumns } from './segment-columns.js';

/** How a logged request ended. */
export type PredictionStatus = 'ok' | 'error';

/**
 * One logged prediction: one row of one inference request, as stored (after redaction). A request
 * of several rows gives one record per row, with request ids `<request id>#<row>` (0-based); a
 * one-row request keeps its request id as is. Feedback joins on `requestId`.
 */
export interface PredictionRecord {
  readonly requestId: string;
  /** When the request finished (ISO-8601, UTC, milliseconds). */
  readonly at: string;
  readonly model: string;
  readonly version: number;
  /** Input features by name (see FeatureSpec); empty when the request failed validation. */
  readonly features: Readonly<Record<string, FeatureValue>>;
  /** Output features by name (`<output>[<label>]` for class scores); empty for a failure. */
  readonly outputs: Readonly<Record<string, FeatureValue>>;
  /** Time from the request reaching the serving layer to its answer. */
  readonly latencyMs: number;
  readonly status: PredictionStatus;
  /** The error code of a failed request. */
  readonly code?: string | undefined;
  /** Who called: principal id, or 'anonymous'. */
  readonly caller: string;
  /** Why input validation flagged the row (absent when nothing was flagged). */
  readonly flags?: readonly string[] | undefined;
}

/** Ground truth stored for one prediction. */
export interface FeedbackRecord {
  readonly label: string | number | boolean | null;
  readonly value: number | null;
  /** When the outcome was observed. */
  readonly at: string;
  readonly receivedAt: string;
}

/** A prediction with its feedback, or null when none has been given. */
export interface JoinedPrediction extends PredictionRecord {
  readonly feedback: FeedbackRecord | null;
}

/** The records of one model version in one flushed batch. */
export interface LoggedGroup {
  readonly model: string;
  readonly version: number;
  /**
   * The version's features that may be profiled: every feature of its signature except those
   * redaction drops or hashes (a hash is not a value worth a sketch). Masked text is profiled as
   * stored, masked.
   */
  readonly features: readonly FeatureSpec[];
  /**
   * The rows as stored, column by column (what profiles and validation counters read). Valid while
   * the subscriber handles the batch (see {@link PredictionListener}).
   */
  readonly columns: SegmentColumns;
  /** The same rows as records, oldest first (made from the columns on first read, so read them in time too). */
  readonly records: readonly PredictionRecord[];
}

/**
 * What subscribers of the prediction log receive after each successful write: exactly what was
 * stored, grouped by model version. Live profiles and validation counters are fed from it, so
 * they describe the stored (redacted) log.
 */
export interface LoggedPredictions {
  readonly groups: readonly LoggedGroup[];
}

/**
 * A subscriber of the prediction log. Called off the hot path; a thrown error is logged and ignored.
 * The batch's columns are valid until it returns, or until the promise it returns settles: the log
 * then reuses their storage for a later flush, so a subscriber copies what it keeps.
 */
export type PredictionListener = (batch: LoggedPredictions) => void | Promise<void>;
