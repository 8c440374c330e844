import type { ErrorCode } from '../core/index.js';
import type { Signature } from '../registry/index.js';
import type { RuntimeTensor } from '../runtime/index.js';

/** Named tensors handed to a prediction sink. */
export type SinkTensors = Readonly<Record<string, RuntimeTensor>>;

/** One finished inference, as the hot path hands it to the prediction log. */
export interface PredictionEvent {
  readonly model: string;
  readonly version: number;
  /** The version's signature: the sink derives named features from it, off the hot path. */
  readonly signature: Signature;
  /** The HTTP request id (`x-request-id`), or undefined when the caller has none (the sink makes one). */
  readonly requestId: string | undefined;
  /** Who called: the principal id, or 'anonymous'. */
  readonly caller: string;
  /** When the request finished, in ms since the Unix epoch. */
  readonly at: number;
  /**
   * The request's 1-D and 2-D inputs, captured before the scheduler ran (copies when the runtime
   * takes input buffers away, see Runtime.transfersInputs). Valid only during `record`: the sink
   * copies what it keeps. Undefined when the request failed validation.
   */
  readonly inputs: SinkTensors | undefined;
  /** The request's 1-D and 2-D outputs (read-only references, valid during `record`), or undefined when it failed. */
  readonly outputs: SinkTensors | undefined;
  /** Rows the request carried (its first dimension, 1 for a model that does not batch). */
  readonly rows: number;
  readonly latencyMs: number;
  readonly status: 'ok' | 'error';
  readonly code?: ErrorCode | undefined;
  /** Reasons input validation flagged the request (filled by monitoring's input validation). */
  readonly flags?: readonly string[] | undefined;
}

/**
 * Where the inference hot path reports predictions (the prediction log implements it). Both
 * methods are called on the hot path: they must be O(1), never throw and never wait.
 */
export interface PredictionSink {
  /** Is this request of `model` to be logged (sampling)? Asked once per request, before any copy. */
  sample(model: string): boolean;
  /** Hand over a finished request that `sample` chose; the sink copies what it keeps before returning. */
  record(event: PredictionEvent): void;
}

/**
 * What the prediction log reads of a request's inputs: the 1-D and 2-D tensors (higher ranks are
 * not profiled, so they are never held). With `copy`, typed arrays are copied, because a worker
 * runtime transfers (detaches) the request's buffers; text tensors are never transferred and are
 * kept as they are.
 */
export function captureInputs(inputs: SinkTensors, copy: boolean): SinkTensors {
  const captured: Record<string, RuntimeTensor> = {};
  for (const name in inputs) {
    const tensor = inputs[name]!;
    if (tensor.shape.length === 0 || tensor.shape.length > 2) continue;
    captured[name] = !copy || Array.isArray(tensor.data) ? tensor : { ...tensor, data: tensor.data.slice() };
  }
  return captured;
}

/** The 1-D and 2-D outputs of a request (references; outputs are never transferred or changed). */
export function captureOutputs(
  outputs: readonly { readonly name: string; readonly tensor: RuntimeTensor }[],
): SinkTensors {
  const captured: Record<string, RuntimeTensor> = {};
  for (const { name, tensor } of outputs) {
    if (tensor.shape.length === 1 || tensor.shape.length === 2) captured[name] = tensor;
  }
  return captured;
}
