import type { ErrorCode } from '../core/index.js';

/** How a request ended. */
export type RequestOutcome = 'success' | 'failure';

/** One finished inference request, reported once. Times are in seconds. */
export interface RequestFinished {
  readonly model: string;
  readonly version: number;
  readonly outcome: RequestOutcome;
  /** The error code when `outcome` is failure (OVERLOADED, DEADLINE_EXCEEDED, INVALID_TENSOR_DATA, …). */
  readonly code?: ErrorCode;
  /** Time spent queued before its batch ran (0 for a cache hit or a request refused before queueing). */
  readonly queueSeconds: number;
  /** Time of the run its rows were part of (0 when it never ran). */
  readonly computeSeconds: number;
  /** From the request's arrival at the serving layer to its answer. */
  readonly totalSeconds: number;
  readonly cacheHit: boolean;
  /** Rows (first-dimension size) the request carried. */
  readonly rows: number;
}

/** One run of a batch through the runtime. */
export interface BatchExecuted {
  readonly model: string;
  readonly version: number;
  readonly rows: number;
  readonly requests: number;
  /** Assembling inputs (concatenation) before the run. */
  readonly inputSeconds: number;
  /** The runtime's run. */
  readonly inferSeconds: number;
  /** Splitting outputs back per request. */
  readonly outputSeconds: number;
}

/**
 * Receives serving events for metrics and statistics. Implementations must be cheap and must not
 * throw: they are called on the hot path.
 */
export interface InferenceObserver {
  requestFinished(event: RequestFinished): void;
  batchExecuted(event: BatchExecuted): void;
  queueDepth(model: string, version: number, depth: number): void;
}

/** An observer that ignores everything. */
export const NO_OBSERVER: InferenceObserver = {
  requestFinished: () => undefined,
  batchExecuted: () => undefined,
  queueDepth: () => undefined,
};

/** Several observers as one. */
export function combineObservers(...observers: InferenceObserver[]): InferenceObserver {
  return {
    requestFinished: (event) => observers.forEach((observer) => observer.requestFinished(event)),
    batchExecuted: (event) => observers.forEach((observer) => observer.batchExecuted(event)),
    queueDepth: (model, version, depth) =>
      observers.forEach((observer) => observer.queueDepth(model, version, depth)),
  };
}
