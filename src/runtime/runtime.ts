import type { Datatype, TensorElements } from '../core/index.js';

/**
 * A tensor as it crosses the runtime boundary: plain data only (typed arrays and string arrays),
 * so a session can live in a worker thread and tensors can move there as transferable buffers.
 */
export interface RuntimeTensor {
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  readonly data: TensorElements;
}

/** Session options every runtime understands. */
export interface SessionOptions {
  readonly intraOpThreads: number;
  readonly interOpThreads: number;
  readonly graphOptimizationLevel: 'disabled' | 'basic' | 'extended' | 'all';
}

/** A loaded model. Every call is asynchronous so the implementation may run off the main thread. */
export interface RuntimeSession {
  /** How many runs can truly proceed at once (e.g. one per worker holding an instance). */
  readonly concurrency: number;
  /** Run the model on named inputs; returns the named outputs asked for. */
  run(
    inputs: Readonly<Record<string, RuntimeTensor>>,
    outputNames: readonly string[],
  ): Promise<Record<string, RuntimeTensor>>;
  /** Free the session's native memory. The session is unusable afterwards. */
  release(): Promise<void>;
}

/** A model runtime (today ONNX Runtime) that turns artifact bytes into sessions. */
export interface Runtime {
  readonly name: string;
  /** The `platform` reported by model metadata, e.g. `onnxruntime_onnx` as Triton names it. */
  readonly platform: string;
  /**
   * Whether a run takes the input buffers away (a worker runtime transfers them to its thread):
   * whoever still needs a request's inputs after the run keeps a copy then.
   */
  readonly transfersInputs: boolean;
  load(bytes: Uint8Array, options: SessionOptions): Promise<RuntimeSession>;
  /** Stop whatever the runtime runs (threads); sessions must be released first. */
  close(): Promise<void>;
}
