import { availableParallelism } from 'node:os';
import type { FerryConfig } from '../core/index.js';
import { OnnxRuntime } from './onnx/onnx-runtime.js';
import type { Runtime } from './runtime.js';
import { WorkerPoolRuntime } from './worker/worker-pool-runtime.js';

/**
 * The runtime for this machine. Worker threads pay a message hop per run and only help when
 * another core can run them while the event loop serves HTTP; on a single core they compete with
 * the event loop for the same CPU, so `auto` runs sessions inline there.
 */
export function runtimeFor(config: FerryConfig['runtime'], cores = availableParallelism()): Runtime {
  const placement = config.placement === 'auto' ? (cores > 1 ? 'workers' : 'inline') : config.placement;
  if (placement === 'inline') return new OnnxRuntime();
  return new WorkerPoolRuntime(config.workers > 0 ? config.workers : cores);
}
