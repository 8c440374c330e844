/** Model runtimes behind one interface, and the manager that loads versions into them. */
export type { Runtime, RuntimeSession, RuntimeTensor, SessionOptions } from './runtime.js';
export { OnnxRuntime } from './onnx/onnx-runtime.js';
export { ModelManager, warmupInputs } from './model-manager.js';
export type { ArtifactSource, LoadedModel, LoadState, ModelManagerOptions } from './model-manager.js';
export { WorkerPoolRuntime } from './worker/worker-pool-runtime.js';
export { runtimeFor } from './runtime-placement.js';
