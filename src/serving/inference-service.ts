import { FerryError } from '../core/index.js';
import type { VersionRecord, VersionRef } from '../registry/index.js';
import type { ModelManager } from '../runtime/index.js';
import { encodeJsonData } from './json-tensor-codec.js';
import { validateInferenceRequest, type ParameterValue, type RequestLimits } from './inference-request.js';
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

/**
 * The inference hot path for JSON requests: resolve the version, validate the request against its
 * signature, get the loaded session, run, and encode the outputs.
 */
export class InferenceService {
  constructor(
    private readonly resolver: VersionResolver,
    private readonly models: ModelManager,
    private readonly limits: RequestLimits,
  ) {}

  /** Resolve a model and version reference to its record (404 when either is unknown). */
  resolve(model: string, ref: VersionRef): Promise<VersionRecord> {
    return this.resolver.resolve(model, ref);
  }

  async infer(model: string, ref: VersionRef, body: unknown): Promise<InferenceResponse> {
    const version = await this.resolver.resolve(model, ref);
    const request = validateInferenceRequest(body, version.signature, this.limits);
    const loaded = await this.models.acquire(version);
    let results;
    try {
      results = await loaded.session.run(request.inputs, request.outputs);
    } catch (error) {
      throw new FerryError(
        'INFERENCE_FAILED',
        `model '${model}' version ${version.version} failed while running: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const outputs = request.outputs.map((name): ResponseOutput => {
      const tensor = results[name]!;
      return { name, datatype: tensor.datatype, shape: tensor.shape, data: encodeJsonData(tensor) };
    });
    return {
      model_name: model,
      model_version: String(version.version),
      ...(request.id === undefined ? {} : { id: request.id }),
      outputs,
    };
  }
}
