/** The inference hot path: resolve, validate, run, encode; and server readiness. */
export { InferenceService, type InferenceResponse, type ResponseOutput } from './inference-service.js';
export {
  validateInferenceRequest,
  type ParameterValue,
  type RequestLimits,
  type ValidatedRequest,
} from './inference-request.js';
export { decodeJsonData, encodeJsonData } from './json-tensor-codec.js';
export { Readiness, type ReadinessVerdict, type StateSource } from './readiness.js';
export { VersionResolver, type VersionLookup } from './version-resolver.js';
