import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { Runtime, RuntimeSession, RuntimeTensor, SessionOptions } from '../runtime.js';
import { transferablesOf, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

/**
 * The worker's script. Compiled code sits beside this file; when this file runs from TypeScript
 * sources (tests), the compiled worker in dist/ is used — `npm test` builds first.
 */
function workerScript(): URL {
  const beside = new URL('./worker-main.js', import.meta.url);
  if (existsSync(fileURLToPath(beside))) return beside;
  const built = new URL('../../../dist/runtime/worker/worker-main.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('the runtime worker is not built: run `npm run build`');
}

/** A request before its call number is assigned (Omit distributed over the union). */
type Unnumbered<T> = T extends unknown ? Omit<T, 'call'> : never;

type Pending = { resolve: (reply: WorkerReply & { kind: 'done' }) => void; reject: (error: Error) => void };

/** One worker thread and the calls waiting on it. Replaced by a fresh one if it dies. */
class RuntimeWorker {
  private worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextCall = 1;
  /** Calls in flight, for least-loaded placement. */
  inFlight = 0;
  /** Bumped each time the thread is replaced, so sessions know to load again. */
  generation = 0;

  constructor(private readonly script: URL) {
    this.worker = this.spawn();
  }

  private spawn(): Worker {
    const worker = new Worker(this.script);
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const pending = this.pending.get(reply.call);
      if (pending === undefined) return;
      this.pending.delete(reply.call);
      if (reply.kind === 'done') pending.resolve(reply);
      else pending.reject(new Error(reply.message));
    });
    // A crashed worker fails its calls and is replaced; the pool keeps serving.
    worker.on('error', (error) => this.replace(`runtime worker failed: ${error.message}`));
    worker.on('exit', (code) => {
      if (this.worker === worker && !this.closed) this.replace(`runtime worker exited with code ${code}`);
    });
    return worker;
  }

  private closed = false;

  private replace(reason: string): void {
    for (const pending of this.pending.values()) pending.reject(new Error(reason));
    this.pending.clear();
    this.inFlight = 0;
    if (this.closed) return;
    const old = this.worker;
    this.generation += 1;
    this.worker = this.spawn();
    void old.terminate();
  }

  call(
    request: Unnumbered<WorkerRequest>,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkerReply & { kind: 'done' }> {
    const call = this.nextCall++;
    this.inFlight += 1;
    return new Promise<WorkerReply & { kind: 'done' }>((resolve, reject) => {
      this.pending.set(call, { resolve, reject });
      this.worker.postMessage({ ...request, call }, transfer);
    }).finally(() => {
      this.inFlight = Math.max(0, this.inFlight - 1);
    });
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.worker.terminate();
  }
}

/** A version loaded in several workers; each run goes to the least busy instance. */
class PooledSession implements RuntimeSession {
  private readonly loadedGeneration = new Map<RuntimeWorker, number>();

  constructor(
    private readonly id: number,
    private readonly workers: readonly RuntimeWorker[],
    private readonly bytes: SharedArrayBuffer,
    private readonly length: number,
    private readonly options: SessionOptions,
  ) {}

  get concurrency(): number {
    return this.workers.length;
  }

  private readonly loading = new Map<RuntimeWorker, Promise<void>>();

  /** Load (or reload, after a worker was replaced) the session in one worker; concurrent callers share one load. */
  ensureLoaded(worker: RuntimeWorker): Promise<void> {
    if (this.loadedGeneration.get(worker) === worker.generation) return Promise.resolve();
    const pending = this.loading.get(worker);
    if (pending !== undefined) return pending;
    const generation = worker.generation;
    const load = worker
      .call({ kind: 'load', session: this.id, bytes: this.bytes, length: this.length, options: this.options })
      .then(() => {
        this.loadedGeneration.set(worker, generation);
      })
      .finally(() => this.loading.delete(worker));
    this.loading.set(worker, load);
    return load;
  }

  async run(
    inputs: Readonly<Record<string, RuntimeTensor>>,
    outputNames: readonly string[],
  ): Promise<Record<string, RuntimeTensor>> {
    const worker = this.workers.reduce((best, candidate) =>
      candidate.inFlight < best.inFlight ? candidate : best,
    );
    await this.ensureLoaded(worker);
    const reply = await worker.call(
      { kind: 'run', session: this.id, inputs, outputNames },
      transferablesOf(inputs),
    );
    return reply.outputs ?? {};
  }

  async release(): Promise<void> {
    await Promise.all(
      this.workers.map((worker) => worker.call({ kind: 'release', session: this.id }).catch(() => undefined)),
    );
  }
}

/**
 * ONNX Runtime in a pool of worker threads. A version is loaded in every worker, so runs of one
 * version proceed in parallel across cores while the event loop stays free for HTTP. Model
 * bytes are shared with the workers (SharedArrayBuffer), tensors are transferred, not copied.
 */
export class WorkerPoolRuntime implements Runtime {
  readonly name = 'onnxruntime';
  readonly platform = 'onnxruntime_onnx';
  readonly transfersInputs = true;
  private readonly workers: RuntimeWorker[];
  private nextSession = 1;

  constructor(workerCount: number) {
    const script = workerScript();
    this.workers = Array.from({ length: Math.max(1, workerCount) }, () => new RuntimeWorker(script));
  }

  get workerCount(): number {
    return this.workers.length;
  }

  async load(bytes: Uint8Array, options: SessionOptions): Promise<RuntimeSession> {
    const shared = new SharedArrayBuffer(bytes.byteLength);
    new Uint8Array(shared).set(bytes);
    const session = new PooledSession(this.nextSession++, this.workers, shared, bytes.byteLength, options);
    const loads = await Promise.allSettled(this.workers.map((worker) => session.ensureLoaded(worker)));
    const failure = loads.find((load) => load.status === 'rejected');
    if (failure !== undefined) {
      await session.release(); // free the instances that did load
      throw failure.reason;
    }
    return session;
  }

  /** Stop every worker thread. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.close()));
  }
}
