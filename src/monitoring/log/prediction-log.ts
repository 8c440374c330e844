import type { FerryConfig, Logger } from '../../core/index.js';
import type { PredictionEvent, PredictionSink } from '../../serving/index.js';
import { monitoringSettingsFor } from '../monitoring-settings.js';
import { BoundedQueue } from './bounded-queue.js';
import type { LoggedGroup, LoggedPredictions, PredictionListener } from './prediction-record.js';
import { SegmentBuilder, type PredictionFlagger } from './segment-builder.js';

export type { PredictionFlagger } from './segment-builder.js';

/** Where flushed rows go (the PredictionStore): one segment per group, in one transaction. */
export interface PredictionWriter {
  write(groups: readonly LoggedGroup[]): Promise<void>;
}

/** Told what the log wrote and dropped, per model (Prometheus counters). Called off the hot path. */
export interface PredictionLogObserver {
  predictionsLogged(model: string, count: number): void;
  predictionsDropped(model: string, count: number): void;
}

/** The state of the log for health checks. */
export interface PredictionLogHealth {
  /** Rows waiting to be written (or being written). */
  readonly buffered: number;
  /** Rows dropped since start: buffer full, or a failed write. */
  readonly dropped: number;
  /** Set while logging is degraded: rows dropped recently, or writes failing. */
  readonly warning?: string;
}

export interface PredictionLogOptions {
  readonly config: FerryConfig;
  readonly writer: PredictionWriter;
  /** Salt of hashed fields (see loadHashSalt). */
  readonly salt: string;
  readonly observer?: PredictionLogObserver | undefined;
  readonly logger?: Logger | undefined;
  /** Uniform [0, 1) source for sampling; Math.random by default. */
  readonly random?: (() => number) | undefined;
  /** Wall clock in ms; Date.now by default. */
  readonly clock?: (() => number) | undefined;
}

/**
 * Events written per flush step (one segment per model version). On SQLite a write holds the
 * event loop (better-sqlite3 is synchronous), so a step stays short and the flush yields between
 * steps; a segment of a few thousand rows is one INSERT of a few blobs.
 */
const FLUSH_ROWS = 1024;

/** How long after the last drop health keeps warning. */
export const DROP_WARNING_MS = 5 * 60_000;

/**
 * The prediction log. On the hot path, {@link sample} and {@link record} are O(1), never throw
 * and never wait: a sampled request is appended to a bounded buffer (`monitoring.bufferSize`
 * rows), or dropped and counted when the buffer is full. Off the hot path, a timer
 * (`monitoring.flushIntervalMs`), or the buffer passing `monitoring.flushAtFill` of its size,
 * drains it: the {@link SegmentBuilder} turns tensors into named, redacted, flagged columns, the
 * writer stores them as one segment per model version and step, and subscribers get what was stored. Rows
 * being written still count against the buffer, so memory stays bounded when the database is slow.
 */
export class PredictionLog implements PredictionSink {
  private readonly buffer: BoundedQueue<PredictionEvent>;
  private readonly rates = new Map<string, number>();
  private readonly segments: SegmentBuilder;
  private readonly listeners = new Set<PredictionListener>();
  private readonly droppedByModel = new Map<string, number>();
  private readonly random: () => number;
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Rows buffered that start a flush before the timer's tick; Infinity for none. */
  private readonly flushAt: number;
  private flushSoon = false;
  private droppedTotal = 0;
  private lastDropAt = -Infinity;
  private writeError: string | undefined;
  private closed = false;

  constructor(private readonly options: PredictionLogOptions) {
    const { bufferSize, flushAtFill } = options.config.monitoring;
    this.buffer = new BoundedQueue(bufferSize);
    this.flushAt = flushAtFill >= 1 ? Infinity : Math.max(1, Math.ceil(flushAtFill * bufferSize));
    this.random = options.random ?? Math.random;
    this.clock = options.clock ?? Date.now;
    this.segments = new SegmentBuilder(options);
  }

  // ---- hot path -------------------------------------------------------------------------------

  sample(model: string): boolean {
    if (this.closed) return false;
    let rate = this.rates.get(model);
    if (rate === undefined) {
      rate = monitoringSettingsFor(this.options.config, model).sampleRate;
      this.rates.set(model, rate);
    }
    return rate >= 1 || (rate > 0 && this.random() < rate);
  }

  record(event: PredictionEvent): void {
    try {
      if (this.closed || !this.buffer.offer(event, event.rows))
        this.drop(event.model, Math.max(1, event.rows));
      else if (this.buffer.weight >= this.flushAt) this.flushEarly();
    } catch {
      // An event that cannot even be read is counted under no model.
      this.drop('', 1);
    }
  }

  /**
   * Past `monitoring.flushAtFill` of the buffer, write without waiting for the timer: scheduled
   * after the current callbacks (never inside `record`), once, and only while no flush runs (a
   * running one keeps draining what arrives).
   */
  private flushEarly(): void {
    if (this.flushSoon || this.flushing !== undefined || this.timer === undefined) return;
    this.flushSoon = true;
    setImmediate(() => {
      this.flushSoon = false;
      void this.flush();
    });
  }

  private drop(model: string, rows: number): void {
    this.droppedTotal += rows;
    if (model !== '') this.droppedByModel.set(model, (this.droppedByModel.get(model) ?? 0) + rows);
    this.lastDropAt = this.clock();
  }

  // ---- state ----------------------------------------------------------------------------------

  /** Rows waiting to be written, or being written. */
  get buffered(): number {
    return this.buffer.weight;
  }

  /** Rows dropped since start (buffer full or a failed write). */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Why logging is degraded, for health; undefined when it is not. */
  get warning(): string | undefined {
    if (this.clock() - this.lastDropAt < DROP_WARNING_MS) {
      return `prediction log dropped ${this.droppedTotal} predictions since start (buffer of monitoring.bufferSize=${this.buffer.capacity} rows full${this.writeError === undefined ? '' : ', or writes failing'}); raise monitoring.bufferSize, lower monitoring.sampleRate, or check the database`;
    }
    if (this.writeError !== undefined) return `prediction log writes are failing: ${this.writeError}`;
    return undefined;
  }

  health(): PredictionLogHealth {
    const warning = this.warning;
    return { buffered: this.buffered, dropped: this.dropped, ...(warning === undefined ? {} : { warning }) };
  }

  // ---- subscribers ----------------------------------------------------------------------------

  /**
   * Receive every batch after it is stored (see {@link LoggedPredictions}). Returns the function
   * that unsubscribes.
   */
  subscribe(listener: PredictionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flag rows before they are stored (input validation); one flagger at a time. */
  useFlagger(flagger: PredictionFlagger | undefined): void {
    this.segments.useFlagger(flagger);
  }

  // ---- off the hot path -----------------------------------------------------------------------

  /**
   * Start flushing: on the timer (unref'd: it never keeps the process alive), and at once when
   * `monitoring.flushAtFill` of the buffer is taken.
   */
  start(): void {
    if (this.timer !== undefined || this.closed) return;
    this.timer = setInterval(() => void this.flush(), this.options.config.monitoring.flushIntervalMs);
    this.timer.unref();
  }

  /** Write everything buffered now. Concurrent calls share one drain. Never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.drain().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Stop the timer, refuse new records and write what is buffered. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flushing;
    await this.flush();
  }

  private async drain(): Promise<void> {
    while (this.buffer.size > 0) {
      const { items, weight } = this.buffer.take(FLUSH_ROWS);
      try {
        await this.write(items);
      } finally {
        this.buffer.release(weight);
      }
      // Let requests waiting on the event loop run between steps of a large flush.
      if (this.buffer.size > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    this.reportDrops();
  }

  private async write(events: readonly PredictionEvent[]): Promise<void> {
    let groups: LoggedGroup[];
    try {
      groups = this.segments.toGroups(events);
    } catch (error) {
      this.failed(events, error);
      return;
    }
    try {
      await this.options.writer.write(groups);
    } catch (error) {
      this.failed(events, error);
      return;
    }
    this.writeError = undefined;
    try {
      for (const group of groups) this.options.observer?.predictionsLogged(group.model, group.columns.rows);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'logged predictions not counted in metrics');
    }
    this.notify({ groups });
  }

  private failed(events: readonly PredictionEvent[], error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.writeError = message;
    for (const event of events) this.drop(event.model, Math.max(1, event.rows));
    this.options.logger?.warn({ err: error, rows: events.length }, `prediction log write failed: ${message}`);
  }

  private reportDrops(): void {
    if (this.droppedByModel.size === 0) return;
    const counts = [...this.droppedByModel];
    this.droppedByModel.clear();
    try {
      for (const [model, count] of counts) this.options.observer?.predictionsDropped(model, count);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'dropped predictions not counted in metrics');
    }
  }

  private notify(batch: LoggedPredictions): void {
    for (const listener of this.listeners) {
      try {
        const result = listener(batch);
        if (result instanceof Promise) result.catch((error: unknown) => this.listenerFailed(error));
      } catch (error) {
        this.listenerFailed(error);
      }
    }
  }

  private listenerFailed(error: unknown): void {
    this.options.logger?.warn({ err: error }, 'a prediction log subscriber failed');
  }
}
