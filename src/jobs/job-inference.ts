import type { VersionRef } from '../registry/index.js';
import { toJsonResponse, validateInferenceRequest, type InferenceService } from '../serving/index.js';

/** The inference a job needs: check a request when it is submitted, and run it later. */
export interface JobInference {
  /**
   * Resolve the model reference and check the request against that version's signature. Throws
   * the same FerryErrors as a synchronous inference (404 for an unknown model, 400 for a bad
   * request), so a job that could never run is refused at submit.
   */
  prepare(model: string, ref: VersionRef, request: unknown): Promise<{ model: string; version: number }>;
  /**
   * Run the request on one version through the serving path; resolves with the v2 JSON response.
   * The prediction is logged under the job's id and submitter, so feedback joins on the job id.
   */
  run(model: string, version: number, request: unknown, origin: JobOrigin): Promise<unknown>;
}

/** Which job a run belongs to, for the prediction log. */
export interface JobOrigin {
  readonly jobId: string;
  readonly submittedBy: string;
}

/**
 * Jobs run through the same InferenceService as `/v2/…/infer` (batching, queue limits, cache), and
 * their result is the response that route would have sent.
 */
export function servingJobInference(inference: InferenceService, maxTensorElements: number): JobInference {
  return {
    async prepare(model, ref, request) {
      const version = await inference.resolve(model, ref);
      validateInferenceRequest(request, version.signature, { maxTensorElements });
      return { model: version.model, version: version.version };
    },
    async run(model, version, request, origin) {
      return toJsonResponse(
        await inference.infer(model, { kind: 'number', version }, request, {
          requestId: origin.jobId,
          caller: origin.submittedBy,
        }),
      );
    },
  };
}
