import { FerryError } from '../../core/index.js';
import type { RuntimeSession } from '../../runtime/index.js';
import type { Cancellation } from '../cancellation.js';
import type { InferenceObserver } from '../inference-observer.js';
import { concatInputs, sameInnerShapes, splitOutputs, type Tensors } from './batch-assembly.js';
import { DrainRate } from './drain-rate.js';
import { RequestQueue, type QueueEntry } from './request-queue.js';

/** How one version's requests are queued and batched. */
export interface SchedulerSettings {
  /** Most rows in one run; 0 disables batching (each request runs alone). */
  readonly maxBatchSize: number;
  readonly maxQueueDelayMs: number;
  readonly preferredBatchSizes: readonly number[];
  readonly maxConcurrentRuns: number;
  readonly maxQueueSize: number;
}

/** One request handed to the scheduler. */
export interface ScheduledRequest {
  readonly inputs: Tensors;
  readonly outputNames: readonly string[];
  /** Leading-dimension size (1 for models that do not batch). */
  readonly rows: number;
  /** Absolute time (ms, scheduler clock) after which the request must not run. */
  readonly deadline: number;
  readonly priority: number;
  /** Cancelled when the client goes away: the request is dropped if it has not run yet. */
  readonly cancellation?: Cancellation | undefined;
}

/** What a scheduled request gets back. */
export interface ScheduledResult {
  readonly outputs: Tensors;
  readonly queueSeconds: number;
  readonly computeSeconds: number;
  /** Rows in the run this request was part of. */
  readonly batchRows: number;
}

interface Entry extends QueueEntry {
  readonly request: ScheduledRequest;
  readonly enqueuedAt: number;
  readonly resolve: (result: ScheduledResult) => void;
  readonly reject: (error: FerryError) => void;
  timer: NodeJS.Timeout | undefined;
  stopListening: (() => void) | undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/** A clock in milliseconds; injectable for tests. */
export type Clock = () => number;

/**
 * The hot path of one loaded version: a bounded priority queue and a dynamic batcher.
 *
 * - A request arriving while no run is in flight goes at once: idle traffic never waits.
 * - While runs are in flight, requests gather; a batch leaves when a run slot is free and it is
 *   full (`maxBatchSize` rows or a preferred size) or its oldest request has waited
 *   `maxQueueDelayMs`. A slot freeing up also sends whatever waited behind the previous run.
 * - A full queue refuses at once (OVERLOADED); a request past its deadline is dropped before it
 *   runs (DEADLINE_EXCEEDED); a cancelled request (client gone) is dropped (CANCELLED).
 */
export class VersionScheduler {
  private readonly queue = new RequestQueue<Entry>();
  private inFlight = 0;
  private readonly drain = new DrainRate();
  private gatherTimer: NodeJS.Timeout | undefined;
  private gatherUntil = Infinity;
  private closed = false;

  constructor(
    readonly model: string,
    readonly version: number,
    private readonly session: RuntimeSession,
    private readonly settings: SchedulerSettings,
    /** False when the signature has no leading -1 dimension on every input and output. */
    private readonly batchable: boolean,
    private readonly observer: InferenceObserver,
    private readonly now: Clock = () => performance.now(),
  ) {}

  private get maxConcurrent(): number {
    return this.settings.maxConcurrentRuns > 0 ? this.settings.maxConcurrentRuns : this.session.concurrency;
  }

  private get batching(): boolean {
    return this.batchable && this.settings.maxBatchSize > 0;
  }

  /** Requests waiting now (not running). */
  get queued(): number {
    return this.queue.size;
  }

  /** How long the requests queued now will take to get through, from recent run throughput (ms). */
  estimatedWaitMs(): number {
    const rate = this.drain.rowsPerSecond(this.maxConcurrent);
    return rate > 0 ? (this.queue.rows / rate) * 1000 : 0;
  }

  /**
   * Refuse at once (OVERLOADED) what cannot be served: the queue is full, or the work already
   * queued would outlast the request's remaining time. Refusing early, before the request is
   * parsed or queued, is what keeps goodput up under overload: work that would expire anyway
   * costs nothing. Returns the error, or undefined when the request may enter.
   */
  admission(budgetMs: number): FerryError | undefined {
    if (this.queue.size >= this.settings.maxQueueSize) {
      return FerryError.withoutStack(
        'OVERLOADED',
        `model '${this.model}' version ${this.version} has ${this.queue.size} requests waiting (serving.maxQueueSize); retry later`,
        { details: { retryAfterSeconds: 1 } },
      );
    }
    const wait = this.estimatedWaitMs();
    if (wait > budgetMs) {
      return FerryError.withoutStack(
        'OVERLOADED',
        `model '${this.model}' version ${this.version} is overloaded: the queue needs about ${Math.round(wait)} ms, more than the request's ${Math.round(budgetMs)} ms deadline; retry later`,
        { details: { retryAfterSeconds: Math.max(1, wait / 1000) } },
      );
    }
    return undefined;
  }

  submit(request: ScheduledRequest): Promise<ScheduledResult> {
    if (this.closed) {
      return Promise.reject(
        new FerryError('MODEL_LOAD_FAILED', `model '${this.model}' version ${this.version} was unloaded`),
      );
    }
    if (request.cancellation?.cancelled === true) return Promise.reject(cancelled());
    const budget = request.deadline - this.now();
    if (budget <= 0) return Promise.reject(deadlineExceeded(0));
    const refused = this.admission(budget);
    if (refused !== undefined) return Promise.reject(refused);
    return new Promise<ScheduledResult>((resolve, reject) => {
      const enqueuedAt = this.now();
      const entry: Entry = {
        request,
        priority: request.priority,
        rows: request.rows,
        removed: false,
        enqueuedAt,
        resolve,
        reject,
        timer: undefined,
        stopListening: undefined,
      };
      const wait = request.deadline - enqueuedAt;
      // setTimeout fires at once for delays beyond 2^31-1 ms: such a deadline is no deadline.
      if (wait <= MAX_TIMER_MS) {
        entry.timer = setTimeout(() => this.drop(entry, deadlineExceeded(this.now() - enqueuedAt)), wait);
      }
      if (request.cancellation !== undefined) {
        entry.stopListening = request.cancellation.onCancel(() => this.drop(entry, cancelled()));
      }
      this.queue.push(entry);
      this.observer.queueDepth(this.model, this.version, this.queue.size);
      this.dispatch();
    });
  }

  /** Refuse new work and fail what waits (the version is being unloaded). */
  close(): void {
    this.closed = true;
    clearTimeout(this.gatherTimer);
    for (const entry of [...this.queue.entries()]) {
      this.drop(
        entry,
        new FerryError('MODEL_LOAD_FAILED', `model '${this.model}' version ${this.version} was unloaded`),
      );
    }
  }

  private drop(entry: Entry, error: FerryError): void {
    if (entry.removed) return;
    this.queue.remove(entry);
    this.release(entry);
    this.observer.queueDepth(this.model, this.version, this.queue.size);
    entry.reject(error);
  }

  private release(entry: Entry): void {
    clearTimeout(entry.timer);
    entry.stopListening?.();
  }

  /** Start as many runs as the policy allows now; otherwise arm the gathering timer. */
  private dispatch(): void {
    while (this.inFlight < this.maxConcurrent && this.queue.size > 0) {
      const batch = this.pickBatch();
      if (batch === undefined) return;
      void this.run(batch);
    }
  }

  /** The next batch to run now, or undefined (and a timer armed) if it should keep gathering. */
  private pickBatch(): Entry[] | undefined {
    const head = this.queue.peek();
    if (head === undefined) return undefined;
    if (!this.batching) return [head];
    const batch: Entry[] = [];
    let rows = 0;
    for (const entry of this.queue.entries()) {
      if (
        batch.length > 0 &&
        (rows + entry.rows > this.settings.maxBatchSize ||
          !sameInnerShapes(head.request.inputs, entry.request.inputs))
      ) {
        break;
      }
      batch.push(entry);
      rows += entry.rows;
      if (rows >= this.settings.maxBatchSize) break;
    }
    const idle = this.inFlight === 0;
    const full = rows >= this.settings.maxBatchSize || batch.length < this.queue.size;
    const preferred = this.settings.preferredBatchSizes.includes(rows);
    const due = head.enqueuedAt + this.settings.maxQueueDelayMs;
    if (idle || full || preferred || this.now() >= due) return batch;
    this.armGatherTimer(due);
    return undefined;
  }

  private armGatherTimer(due: number): void {
    if (this.gatherTimer !== undefined && this.gatherUntil <= due) return;
    clearTimeout(this.gatherTimer);
    this.gatherUntil = due;
    this.gatherTimer = setTimeout(
      () => {
        this.gatherTimer = undefined;
        this.gatherUntil = Infinity;
        this.dispatch();
      },
      Math.max(0, due - this.now()),
    );
  }

  private async run(batch: Entry[]): Promise<void> {
    this.queue.take(batch);
    this.observer.queueDepth(this.model, this.version, this.queue.size);
    const started = this.now();
    for (const entry of batch) this.release(entry);
    this.inFlight += 1;
    try {
      const rowCounts = batch.map((entry) => entry.rows);
      const inputs = concatInputs(batch.map((entry) => entry.request.inputs));
      const outputNames = [...new Set(batch.flatMap((entry) => entry.request.outputNames))];
      const assembled = this.now();
      const outputs = await this.session.run(inputs, outputNames);
      const ran = this.now();
      const parts = this.batching ? splitOutputs(outputs, rowCounts) : [outputs];
      const finished = this.now();
      const rows = rowCounts.reduce((sum, count) => sum + count, 0);
      this.drain.completed(
        rows,
        (finished - started) / 1000,
        finished,
        this.queue.size > 0 || this.inFlight > 1,
      );
      this.observer.batchExecuted({
        model: this.model,
        version: this.version,
        rows,
        requests: batch.length,
        inputSeconds: (assembled - started) / 1000,
        inferSeconds: (ran - assembled) / 1000,
        outputSeconds: (finished - ran) / 1000,
      });
      batch.forEach((entry, index) => {
        const own = parts[index]!;
        const selected: Record<string, Tensors[string]> = {};
        for (const name of entry.request.outputNames) selected[name] = own[name]!;
        entry.resolve({
          outputs: selected,
          queueSeconds: (started - entry.enqueuedAt) / 1000,
          computeSeconds: (finished - started) / 1000,
          batchRows: rows,
        });
      });
    } catch (error) {
      const failure = new FerryError(
        'INFERENCE_FAILED',
        `model '${this.model}' version ${this.version} failed while running: ${(error as Error).message}`,
        { cause: error },
      );
      for (const entry of batch) entry.reject(failure);
    } finally {
      this.inFlight -= 1;
      this.dispatch();
    }
  }
}

function deadlineExceeded(waitedMs: number): FerryError {
  return FerryError.withoutStack(
    'DEADLINE_EXCEEDED',
    `the request's deadline passed after ${Math.round(waitedMs)} ms in the queue; it was not run`,
  );
}

function cancelled(): FerryError {
  return FerryError.withoutStack('CANCELLED', 'the client went away; the request was dropped before it ran');
}
