import { FerryError, isFerryError, type FerryConfig } from '../core/index.js';
import type { Signature, VersionRecord, VersionRef } from '../registry/index.js';
import type { LoadedModel, ModelManager, RuntimeTensor } from '../runtime/index.js';
import { rowsOf } from './batching/batch-assembly.js';
import type { Cancellation } from './cancellation.js';
import { VersionScheduler } from './batching/version-scheduler.js';
import { validateInferenceRequest, type ParameterValue, type ValidatedRequest } from './inference-request.js';
import type { InferenceObserver } from './inference-observer.js';
import { captureInputs, captureOutputs, type PredictionSink, type SinkTensors } from './prediction-sink.js';
import { encodeJsonData } from './json-tensor-codec.js';
import { cacheKey, type ResponseCache } from './response-cache.js';
import { servingSettingsFor, type ServingSettings } from './serving-settings.js';
import type { VersionResolver } from './version-resolver.js';

/** One output tensor of an inference response, as the protocol's JSON carries it. */
export interface ResponseOutput {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly data: (number | boolean | string)[];
}

/** The protocol's inference response object. */
export interface InferenceResponse {
  readonly model_name: string;
  readonly model_version: string;
  readonly id?: string;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  readonly outputs: ResponseOutput[];
}

/** An inference's outputs as tensors, before they are encoded as JSON or binary. */
export interface InferenceResult {
  readonly model: string;
  readonly version: number;
  readonly id: string | undefined;
  readonly outputs: readonly { readonly name: string; readonly tensor: RuntimeTensor }[];
  readonly cacheHit: boolean;
}

/** Per-call options of an inference. */
export interface InferOptions {
  /** Cancelled when the client goes away: queued work is dropped. */
  readonly cancellation?: Cancellation | undefined;
  /** Deadline from the caller's header, in ms; the request's `timeout` parameter (µs) wins. */
  readonly timeoutMs?: number | undefined;
  /** Input bytes of the binary tensor extension, by input name. */
  readonly binaryInputs?: ReadonlyMap<string, Uint8Array> | undefined;
  /** The HTTP request id, recorded with the prediction (monitoring joins feedback on it). */
  readonly requestId?: string | undefined;
  /** Who called (principal id), recorded with the prediction; 'anonymous' when absent. */
  readonly caller?: string | undefined;
}

/** One output as the protocol's JSON carries it. */
export function toJsonOutput(name: string, tensor: RuntimeTensor): ResponseOutput {
  return { name, datatype: tensor.datatype, shape: tensor.shape, data: encodeJsonData(tensor) };
}

/** The JSON response of the protocol for an inference result. */
export function toJsonResponse(result: InferenceResult): InferenceResponse {
  return {
    model_name: result.model,
    model_version: String(result.version),
    ...(result.id === undefined ? {} : { id: result.id }),
    outputs: result.outputs.map(({ name, tensor }) => toJsonOutput(name, tensor)),
  };
}

/** Can this signature be batched: every input and output has a leading dynamic dimension? */
function isBatchable(signature: Signature): boolean {
  return [...signature.inputs, ...signature.outputs].every(
    (spec) => spec.shape.length > 0 && spec.shape[0] === -1,
  );
}

function numberParameter(request: ValidatedRequest, name: string): number | undefined {
  const value = request.parameters?.[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new FerryError('BAD_REQUEST', `parameter '${name}' must be a number`);
  }
  return value;
}

// --- monitoring (src/monitoring/validation): the input-validation hook of the hot path ---
/**
 * Checks a request's inputs against the version's reference profile before anything is queued
 * (monitoring's InputValidator). `check` throws INVALID_INPUT to refuse the request; it returns a
 * promise only when it must first load what it checks against (the first request of a version).
 */
export interface InputValidation {
  check(version: VersionRecord, inputs: Readonly<Record<string, RuntimeTensor>>): void | Promise<void>;
}
// --- end monitoring ---

interface SchedulerSlot {
  readonly loaded: LoadedModel;
  readonly scheduler: VersionScheduler;
}

/**
 * The inference hot path: resolve the version, validate the request against its signature,
 * answer from the response cache when enabled, else queue it on the version's scheduler (dynamic
 * batching, deadlines, load shedding) and hand back the output tensors.
 */
export class InferenceService {
  private readonly schedulers = new Map<string, SchedulerSlot>();

  constructor(
    private readonly resolver: VersionResolver,
    private readonly models: ModelManager,
    private readonly config: FerryConfig,
    private readonly observer: InferenceObserver,
    private readonly cache?: ResponseCache,
    private readonly now: () => number = () => performance.now(),
    /** Monitoring's prediction log: told of every sampled request, success or failure. */
    private readonly predictionSink?: PredictionSink,
    /** Monitoring's input validation against reference profiles (`monitoring.validation`). */
    private readonly inputValidation?: InputValidation,
  ) {}

  /** Resolve a model and version reference to its record (404 when either is unknown). */
  resolve(model: string, ref: VersionRef): Promise<VersionRecord> {
    return this.resolver.resolve(model, ref);
  }

  async infer(
    model: string,
    ref: VersionRef,
    body: unknown,
    options: InferOptions = {},
  ): Promise<InferenceResult> {
    const arrived = this.now();
    const version = await this.resolver.resolve(model, ref);
    const settings = servingSettingsFor(this.config, model);
    let rows = 0;
    // --- monitoring (src/monitoring): the prediction log hook. Sampling is one random draw; the
    // inputs are copied only for a sampled request, and only when the runtime takes them away.
    const logged = this.predictionSink?.sample(model) === true;
    let loggedInputs: SinkTensors | undefined;
    // --- end monitoring ---
    const finish = (outcome: {
      queueSeconds?: number;
      computeSeconds?: number;
      cacheHit?: boolean;
      error?: unknown;
    }) =>
      this.observer.requestFinished({
        model,
        version: version.version,
        outcome: outcome.error === undefined ? 'success' : 'failure',
        ...(outcome.error === undefined
          ? {}
          : { code: isFerryError(outcome.error) ? outcome.error.code : 'INTERNAL' }),
        queueSeconds: outcome.queueSeconds ?? 0,
        computeSeconds: outcome.computeSeconds ?? 0,
        totalSeconds: (this.now() - arrived) / 1000,
        cacheHit: outcome.cacheHit ?? false,
        rows,
      });
    try {
      const request = validateInferenceRequest(body, version.signature, {
        maxTensorElements: this.config.server.maxTensorElements,
        binaryInputs: options.binaryInputs,
      });
      const batchable = isBatchable(version.signature);
      rows = batchable ? this.agreedRows(request) : 1;
      // --- monitoring (src/monitoring/validation): `reject` refuses here, before the cache or the queue ---
      const validating = this.inputValidation?.check(version, request.inputs);
      if (validating !== undefined) await validating;
      // --- end monitoring ---
      // Parameters are checked before anything is loaded or queued. A timeout of 0 means none given.
      const timeoutMicros = numberParameter(request, 'timeout');
      const timeoutMs =
        timeoutMicros !== undefined && timeoutMicros > 0
          ? timeoutMicros / 1000
          : (options.timeoutMs ?? settings.defaultTimeoutMs);
      const priority = numberParameter(request, 'priority') ?? 0;
      const key =
        settings.cacheEnabled && this.cache ? cacheKey(version, request.inputs, request.outputs) : undefined;
      const cached = key === undefined ? undefined : this.cache!.get(key);
      if (cached !== undefined) {
        finish({ cacheHit: true });
        const hit = this.result(version, request, cached, true);
        if (logged) {
          loggedInputs = captureInputs(request.inputs, false); // never sent to a runtime: no copy
          this.logPrediction(version, options, arrived, rows, loggedInputs, hit.outputs, undefined);
        }
        return hit;
      }
      if (logged) loggedInputs = captureInputs(request.inputs, this.models.transfersInputs);
      const scheduler = await this.schedulerFor(version, settings, batchable);
      const scheduled = await scheduler.submit({
        inputs: request.inputs,
        outputNames: request.outputs,
        rows,
        deadline: arrived + timeoutMs,
        priority,
        cancellation: options.cancellation,
      });
      if (key !== undefined) this.cache!.set(key, scheduled.outputs);
      finish({ queueSeconds: scheduled.queueSeconds, computeSeconds: scheduled.computeSeconds });
      const result = this.result(version, request, scheduled.outputs, false);
      if (logged)
        this.logPrediction(version, options, arrived, rows, loggedInputs, result.outputs, undefined);
      return result;
    } catch (error) {
      finish({ error });
      if (logged) this.logPrediction(version, options, arrived, rows, loggedInputs, undefined, error);
      throw error;
    }
  }

  /** Hand a finished, sampled request to the prediction log (monitoring). Never throws. */
  private logPrediction(
    version: VersionRecord,
    options: InferOptions,
    arrived: number,
    rows: number,
    inputs: SinkTensors | undefined,
    outputs: InferenceResult['outputs'] | undefined,
    error: unknown,
  ): void {
    try {
      this.predictionSink!.record({
        model: version.model,
        version: version.version,
        signature: version.signature,
        requestId: options.requestId,
        caller: options.caller ?? 'anonymous',
        at: Date.now(),
        inputs,
        outputs: outputs === undefined ? undefined : captureOutputs(outputs),
        rows,
        latencyMs: this.now() - arrived,
        status: error === undefined ? 'ok' : 'error',
        code: error === undefined ? undefined : isFerryError(error) ? error.code : 'INTERNAL',
      });
    } catch {
      // Logging never fails an inference; the sink counts its own problems.
    }
  }

  /**
   * Refuse a request before its body is read when its version's queue cannot take it (full, or
   * the queued work would outlast its deadline). Synchronous and best-effort: a version not yet
   * resolved or loaded passes, and is checked again when queued.
   */
  earlyRefusal(model: string, ref: VersionRef, timeoutMs: number | undefined): FerryError | undefined {
    const version = this.resolver.peek(model, ref);
    if (version === undefined) return undefined;
    const slot = this.schedulers.get(`${version.model}:${version.version}`);
    if (slot === undefined) return undefined;
    const budget = timeoutMs ?? servingSettingsFor(this.config, model).defaultTimeoutMs;
    const refused = slot.scheduler.admission(budget);
    if (refused !== undefined) {
      this.observer.requestFinished({
        model,
        version: version.version,
        outcome: 'failure',
        code: refused.code,
        queueSeconds: 0,
        computeSeconds: 0,
        totalSeconds: 0,
        cacheHit: false,
        rows: 0,
      });
    }
    return refused;
  }

  /** Release a version's scheduler (its queued requests fail) and its session. */
  async unload(model: string, version: number): Promise<void> {
    const key = `${model}:${version}`;
    this.schedulers.get(key)?.scheduler.close();
    this.schedulers.delete(key);
    this.cache?.evictVersion(model, version);
    await this.models.unload(model, version);
  }

  private result(
    version: VersionRecord,
    request: ValidatedRequest,
    outputs: Readonly<Record<string, RuntimeTensor>>,
    cacheHit: boolean,
  ): InferenceResult {
    return {
      model: version.model,
      version: version.version,
      id: request.id,
      outputs: request.outputs.map((name) => ({ name, tensor: outputs[name]! })),
      cacheHit,
    };
  }

  /** The rows of a request to a batchable model: every input must agree on its first dimension. */
  private agreedRows(request: ValidatedRequest): number {
    const rows = rowsOf(request.inputs);
    for (const [name, tensor] of Object.entries(request.inputs)) {
      if (tensor.shape[0] !== rows) {
        throw new FerryError(
          'SHAPE_MISMATCH',
          `input '${name}' has ${tensor.shape[0]} rows but the other inputs have ${rows}; the first dimension is the batch and must agree`,
        );
      }
    }
    return rows;
  }

  /** The scheduler of a version, created when its model is (re)loaded. */
  private async schedulerFor(
    version: VersionRecord,
    settings: ServingSettings,
    batchable: boolean,
  ): Promise<VersionScheduler> {
    const key = `${version.model}:${version.version}`;
    const slot = this.schedulers.get(key);
    const state = this.models.stateOf(version.model, version.version);
    if (slot !== undefined && state?.kind === 'ready' && state.model === slot.loaded) return slot.scheduler;
    const loaded = await this.models.acquire(version);
    const current = this.schedulers.get(key);
    if (current !== undefined && current.loaded === loaded) return current.scheduler;
    current?.scheduler.close();
    const scheduler = new VersionScheduler(
      version.model,
      version.version,
      loaded.session,
      settings,
      batchable,
      this.observer,
    );
    this.schedulers.set(key, { loaded, scheduler });
    return scheduler;
  }
}
