/**
 * The one catalog of Ferry error codes. Every error a user can see has a stable code from this
 * closed union, an HTTP status, and a one-line meaning. `docs/reference/errors.md` is kept equal
 * to this table by a test.
 */
export const errorCatalog = {
  BAD_REQUEST: { status: 400, meaning: 'The request is malformed in a way no more specific code covers.' },
  INVALID_JSON: { status: 400, meaning: 'The body is not valid JSON.' },
  JSON_TOO_DEEP: { status: 400, meaning: 'The JSON body nests deeper than `server.maxJsonDepth`.' },
  BODY_TOO_LARGE: { status: 413, meaning: 'The body is larger than the configured limit.' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, meaning: 'The Content-Type is not one this route accepts.' },
  UNKNOWN_INPUT: { status: 400, meaning: 'An input tensor names an input the model does not have.' },
  MISSING_INPUT: { status: 400, meaning: 'A required model input is absent from the request.' },
  DUPLICATE_INPUT: { status: 400, meaning: 'The same input tensor is given twice.' },
  UNKNOWN_OUTPUT: { status: 400, meaning: 'The request asks for an output the model does not produce.' },
  DATATYPE_MISMATCH: {
    status: 400,
    meaning: "An input's datatype differs from the model's signature, or is not a known datatype.",
  },
  SHAPE_MISMATCH: { status: 400, meaning: "An input's shape is not compatible with the model's signature." },
  DATA_LENGTH_MISMATCH: {
    status: 400,
    meaning: "The number of data elements is not the product of the input's shape.",
  },
  INVALID_TENSOR_DATA: {
    status: 400,
    meaning: 'A data element is not a value of the declared datatype (e.g. a string in an FP32 tensor).',
  },
  TOO_MANY_ELEMENTS: { status: 400, meaning: 'An input has more elements than `server.maxTensorElements`.' },
  INVALID_CALLBACK_URL: {
    status: 400,
    meaning: 'A job callback URL is not http(s), or points at a loopback, link-local or metadata address.',
  },
  INVALID_ARGUMENT: { status: 400, meaning: 'A parameter of a management call is invalid.' },
  // --- profiles, validation and drift (src/monitoring/{profiles,validation,drift}) ---
  INVALID_INPUT: {
    status: 400,
    meaning:
      "An input value fails validation against the version's reference profile (range, category, missing) and `monitoring.validation` is `reject`; the message names each feature.",
  },
  INVALID_DATASET: {
    status: 400,
    meaning:
      'A reference dataset cannot be read: malformed CSV or NDJSON, a value of the wrong type, or a feature column missing.',
  },
  // --- end profiles, validation and drift ---
  INVALID_MODEL_NAME: { status: 400, meaning: 'A model name breaks the naming rule.' },
  INVALID_ALIAS: { status: 400, meaning: 'An alias name breaks the naming rule.' },
  INVALID_ARTIFACT: { status: 400, meaning: 'The uploaded file is not a usable ONNX model.' },
  UNSAFE_ARTIFACT: {
    status: 400,
    meaning: 'The ONNX file points at external data outside its own folder and is refused.',
  },
  INVALID_SIGNATURE: { status: 400, meaning: 'A signature override does not fit the model.' },
  INVALID_MODEL_CARD: {
    status: 400,
    meaning: 'The model card is not Markdown with a valid YAML front matter.',
  },
  INVALID_LINEAGE: { status: 400, meaning: 'The lineage is not an object with the documented keys.' },
  ARTIFACT_TOO_LARGE: { status: 413, meaning: 'The artifact is larger than `registry.maxArtifactBytes`.' },
  ROUTE_NOT_FOUND: { status: 404, meaning: 'No route matches the method and path.' },
  MODEL_NOT_FOUND: { status: 404, meaning: 'No model has that name.' },
  VERSION_NOT_FOUND: { status: 404, meaning: 'The model has no such version or alias.' },
  ALIAS_NOT_FOUND: { status: 404, meaning: 'The model has no such alias.' },
  CARD_NOT_FOUND: { status: 404, meaning: 'The version has no model card.' },
  REFERENCE_NOT_FOUND: {
    status: 404,
    meaning:
      'The version has no reference profile; attach one with PUT …/reference or `ferry monitor reference`.',
  }, // profiles (src/monitoring/profiles)
  JOB_NOT_FOUND: { status: 404, meaning: 'No async job has that id (or its result has expired).' },
  JOB_EXISTS: {
    status: 409,
    meaning:
      'A job with that id exists with a different body; send the same body to get it, or use a new id.',
  },
  VERSION_IN_USE: { status: 409, meaning: 'The version cannot be deleted while an alias points to it.' },
  CONFLICT: { status: 409, meaning: 'A concurrent change won; retry the call.' },
  NOT_READY: {
    status: 400,
    meaning:
      'A health check is false: the server or model is not ready (the protocol answers 4xx); the message says why.',
  },
  MODEL_LOAD_FAILED: {
    status: 503,
    meaning:
      'The model version could not be loaded (corrupt artifact, bad graph); other models keep serving.',
  },
  ARTIFACT_CORRUPTED: { status: 500, meaning: "A stored artifact's bytes no longer match its sha256." },
  ARTIFACT_MISSING: { status: 500, meaning: 'A stored artifact is missing from the artifact store.' },
  OVERLOADED: {
    status: 503,
    meaning:
      "The version's queue is full (serving.maxQueueSize); retry after the Retry-After header's seconds.",
  },
  DEADLINE_EXCEEDED: {
    status: 504,
    meaning: 'The request waited past its deadline and was dropped before it ran.',
  },
  CANCELLED: {
    status: 499,
    meaning: 'The client went away before its request ran; the work was dropped (never sent to anyone).',
  },
  INFERENCE_FAILED: { status: 500, meaning: 'The runtime raised an error while running the model.' },
  JOB_LEASE_EXPIRED: {
    status: 500,
    meaning:
      "An async job's worker stopped renewing its lease `jobs.maxAttempts` times (crashed or stalled); the job failed.",
  },
  INVALID_CONFIG: { status: 500, meaning: 'The configuration is invalid; the message names the key.' },
  SERVER_UNREACHABLE: { status: 502, meaning: 'The CLI could not reach the Ferry server it was pointed at.' },
  INTERNAL: { status: 500, meaning: 'An unexpected error; the log holds the details under the request id.' },
} as const satisfies Record<string, { status: number; meaning: string }>;

/** Every stable error code Ferry can answer with. */
export type ErrorCode = keyof typeof errorCatalog;

/** The HTTP status for an error code. */
export function statusOf(code: ErrorCode): number {
  return errorCatalog[code].status;
}

/** An error with a stable code, an HTTP status and optional structured details. */
export class FerryError extends Error {
  override readonly name = 'FerryError';
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return statusOf(this.code);
  }

  /**
   * An error without a captured stack, for refusals answered thousands of times a second under
   * load (capturing a stack is most of the cost of an Error).
   */
  static withoutStack(
    code: ErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Record<string, unknown> },
  ): FerryError {
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    try {
      return new FerryError(code, message, options);
    } finally {
      Error.stackTraceLimit = limit;
    }
  }
}

/** Is `value` a FerryError (also across module copies)? */
export function isFerryError(value: unknown): value is FerryError {
  return value instanceof FerryError;
}

/**
 * Turn anything thrown into a FerryError, keeping the original as `cause`. Unknown errors become
 * INTERNAL with a generic message so internals never leak to callers.
 */
export function toFerryError(value: unknown): FerryError {
  if (value instanceof FerryError) return value;
  return new FerryError('INTERNAL', 'internal error', { cause: value });
}
