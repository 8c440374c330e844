import type { RuntimeTensor, SessionOptions } from '../runtime.js';

/** Messages from the main thread to a runtime worker. */
export type WorkerRequest =
  | {
      readonly kind: 'load';
      readonly call: number;
      readonly session: number;
      /** The model bytes, shared by every worker that loads them (no copy per worker). */
      readonly bytes: SharedArrayBuffer;
      readonly length: number;
      readonly options: SessionOptions;
    }
  | {
      readonly kind: 'run';
      readonly call: number;
      readonly session: number;
      readonly inputs: Readonly<Record<string, RuntimeTensor>>;
      readonly outputNames: readonly string[];
    }
  | { readonly kind: 'release'; readonly call: number; readonly session: number };

/** Messages from a runtime worker back to the main thread. */
export type WorkerReply =
  | { readonly kind: 'done'; readonly call: number; readonly outputs?: Record<string, RuntimeTensor> }
  | { readonly kind: 'failed'; readonly call: number; readonly message: string };

/** The buffers of typed-array tensors, deduplicated, for a transfer list. */
export function transferablesOf(tensors: Readonly<Record<string, RuntimeTensor>>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const tensor of Object.values(tensors)) {
    if (!Array.isArray(tensor.data)) buffers.add(tensor.data.buffer as ArrayBuffer);
  }
  return [...buffers];
}
