import { describe, expect, it } from 'vitest';
import { validateConfig } from '../core/index.js';
import { OnnxRuntime } from './onnx/onnx-runtime.js';
import { runtimeFor } from './runtime-placement.js';
import { WorkerPoolRuntime } from './worker/worker-pool-runtime.js';

const runtime = (settings: Record<string, unknown>) => validateConfig({ runtime: settings }).runtime;

describe('runtimeFor', () => {
  it('runs sessions inline on a single core and in one worker per core otherwise, by default', async () => {
    expect(runtimeFor(runtime({}), 1)).toBeInstanceOf(OnnxRuntime);
    const pool = runtimeFor(runtime({}), 3);
    expect(pool).toBeInstanceOf(WorkerPoolRuntime);
    expect((pool as WorkerPoolRuntime).workerCount).toBe(3);
    await pool.close();
  });

  it('follows an explicit placement and worker count', async () => {
    expect(runtimeFor(runtime({ placement: 'inline' }), 8)).toBeInstanceOf(OnnxRuntime);
    const pool = runtimeFor(runtime({ placement: 'workers', workers: 2 }), 1);
    expect((pool as WorkerPoolRuntime).workerCount).toBe(2);
    await pool.close();
  });
});
