/** The inference hot path: resolve, validate, run, encode; and server readiness. */
export { InferenceService, toJsonOutput, toJsonResponse } from './inference-service.js';
export { decodeBinaryData, encodeBinaryData } from './binary-tensor-codec.js';
export type {
  InferenceResponse,
  InferenceResult,
  InferOptions,
  InputValidation, // monitoring (src/monitoring/validation)
  ResponseOutput,
} from './inference-service.js';
export { ResponseCache, cacheKey } from './response-cache.js';
export { VersionScheduler, type SchedulerSettings } from './batching/version-scheduler.js';
export {
  validateInferenceRequest,
  type ParameterValue,
  type RequestLimits,
  type ValidatedRequest,
} from './inference-request.js';
export { decodeJsonData, encodeJsonData } from './json-tensor-codec.js';
export { Readiness, type ReadinessVerdict, type StateSource } from './readiness.js';
export { VersionResolver, type VersionLookup } from './version-resolver.js';
export { combineObservers, NO_OBSERVER } from './inference-observer.js';
export type {
  BatchExecuted,
  InferenceObserver,
  RequestFinished,
  RequestOutcome,
} from './inference-observer.js';
export { servingSettingsFor, type ServingSettings } from './serving-settings.js';
export { CancellationSource, type Cancellation } from './cancellation.js';
// --- monitoring (src/monitoring): the prediction log hook of the hot path ---
export {
  captureInputs,
  captureOutputs,
  type PredictionEvent,
  type PredictionSink,
  type SinkTensors,
} from './prediction-sink.js';
