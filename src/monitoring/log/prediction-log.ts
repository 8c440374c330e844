import type { FerryConfig, Logger } from '../../core/index.js';
import type { PredictionEvent, PredictionSink } from '../../serving/index.js';
import { monitoringSettingsFor } from '../monitoring-settings.js';
import type { LoggedGroup, LoggedPredictions, PredictionListener } from './prediction-record.js';
import { PredictionStage } from './prediction-stage.js';
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
 * Rows written per flush step, and the most a stage (one segment) takes before a new one starts.
 * On SQLite a write holds the event loop (better-sqlite3 is synchronous), so a step stays short and
 * the flush yields between steps; a segment of a thousand rows is one INSERT of a few blobs.
 */
const FLUSH_ROWS = 1024;

/** The key of a model version in the log's spare stages. */
const versionKey = (model: string, version: number): string => `${model}\u0000${version}`;

/** How long after the last drop health keeps warning. */
export const DROP_WARNING_MS = 5 * 60_000;

/**
 * The prediction log. On the hot path, {@link sample} and {@link record} are O(1), never throw
 * and never wait: a sampled request is copied into its version's {@link PredictionStage} (typed
 * arrays: nothing of the request stays alive), within a buffer of `monitoring.bufferSize` rows, or
 * dropped and counted when the buffer is full. Off the hot path, a timer
 * (`monitoring.flushIntervalMs`), or the buffer passing `monitoring.flushAtFill` of its size,
 * drains it: the {@link SegmentBuilder} turns each stage into named, redacted, flagged columns, the
 * writer stores them as one segment per stage, and subscribers get what was stored. Rows being
 * written still count against the buffer, so memory stays bounded when the database is slow.
 */
export class PredictionLog implements PredictionSink {
  /** Stages taking requests, by model and version. */
  private readonly open = new Map<string, Map<number, PredictionStage>>();
  /** Full stages, and at a flush every open one, oldest first. */
  private ready: PredictionStage[] = [];
  /**
   * Written stages, emptied, kept for their version's next requests (their arrays are reused), the
   * last written last. A flush writes every stage filled since the one before (several at a high
   * rate), so as many are kept: with one, each flush left all but one to the garbage collector, and
   * the next second's stages grew their arrays again (a 512-feature model: ~11 MB a second).
   */
  private readonly spares = new Map<string, PredictionStage[]>();
  /** Spares already kept at the end of the last flush: dropped if still unused at the next. */
  private idleSpares = new Set<PredictionStage>();
  /** Most spare stages kept per version: as many full stages as the buffer holds. */
  private readonly maxSpares: number;
  /** Rows in stages (open or ready). */
  private stagedRows = 0;
  /** Rows taken by the flush and not yet written (or given up). */
  private writingRows = 0;
  private readonly capacity: number;
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
  private stagesMade = 0;
  private lastDropAt = -Infinity;
  private writeError: string | undefined;
  private closed = false;

  constructor(private readonly options: PredictionLogOptions) {
    const { bufferSize, flushAtFill } = options.config.monitoring;
    this.capacity = bufferSize;
    this.maxSpares = Math.ceil(bufferSize / FLUSH_ROWS);
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
      const rows = Math.max(1, event.rows);
      if (this.closed || this.stagedRows + this.writingRows + rows > this.capacity) {
        this.drop(event.model, rows);
        return;
      }
      const stage = this.stageFor(event);
      stage.add(event);
      this.stagedRows += rows;
      if (stage.rows >= FLUSH_ROWS) this.seal(stage);
      if (this.stagedRows + this.writingRows >= this.flushAt) this.flushEarly();
    } catch {
      // An event that cannot even be read is counted under no model.
      this.drop('', 1);
    }
  }

  /** The open stage of the event's version (a new one for a new signature). */
  private stageFor(event: PredictionEvent): PredictionStage {
    let versions = this.open.get(event.model);
    if (versions === undefined) this.open.set(event.model, (versions = new Map<number, PredictionStage>()));
    let stage = versions.get(event.version);
    if (stage !== undefined && stage.signature !== event.signature) {
      this.seal(stage);
      stage = undefined;
    }
    if (stage === undefined) {
      stage = this.takeSpare(event);
      if (stage === undefined) {
        stage = new PredictionStage(event.model, event.version, event.signature);
        this.stagesMade += 1;
      }
      versions.set(event.version, stage);
    }
    return stage;
  }

  /** The last written stage of the event's version and signature, emptied; undefined when none is kept. */
  private takeSpare(event: PredictionEvent): PredictionStage | undefined {
    const kept = this.spares.get(versionKey(event.model, event.version));
    const spare = kept?.pop();
    if (spare === undefined) return undefined;
    this.idleSpares.delete(spare);
    if (spare.signature === event.signature) return spare;
    kept!.length = 0; // the version was pushed again: its spares are of no use any more
    return undefined;
  }

  /** Keep a written, emptied stage for its version's next requests (the oldest goes past maxSpares). */
  private keepSpare(stage: PredictionStage): void {
    const key = versionKey(stage.model, stage.version);
    const kept = this.spares.get(key) ?? [];
    kept.push(stage);
    if (kept.length > this.maxSpares) this.idleSpares.delete(kept.shift()!);
    this.spares.set(key, kept);
  }

  /** Stop a stage taking requests: it waits for the flush. */
  private seal(stage: PredictionStage): void {
    const versions = this.open.get(stage.model);
    if (versions?.get(stage.version) === stage) versions.delete(stage.version);
    if (stage.requests > 0) this.ready.push(stage);
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
    return this.stagedRows + this.writingRows;
  }

  /** Stages (a version's typed arrays for up to 1024 rows) made since start; the rest were reused. */
  get stagesCreated(): number {
    return this.stagesMade;
  }

  /** Rows dropped since start (buffer full or a failed write). */
  get dropped(): number {
    return this.droppedTotal;
  }

  /** Why logging is degraded, for health; undefined when it is not. */
  get warning(): string | undefined {
    if (this.clock() - this.lastDropAt < DROP_WARNING_MS) {
      return `prediction log dropped ${this.droppedTotal} predictions since start (buffer of monitoring.bufferSize=${this.capacity} rows full${this.writeError === undefined ? '' : ', or writes failing'}); raise monitoring.bufferSize, lower monitoring.sampleRate, or check the database`;
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
   * Receive every batch after it is stored (see {@link LoggedPredictions}). The batch's columns are
   * valid until the listener returns, or until the promise it returns settles: their storage is
   * then reused, so a listener copies what it keeps. Returns the function that unsubscribes.
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
    for (;;) {
      if (this.ready.length === 0) this.closeOpenStages();
      if (this.ready.length === 0) break;
      const stages = this.takeReady();
      const rows = stages.reduce((sum, stage) => sum + stage.rows, 0);
      this.stagedRows -= rows;
      this.writingRows += rows;
      try {
        await this.write(stages);
      } finally {
        this.writingRows -= rows;
      }
      // Let requests waiting on the event loop run between steps of a large flush.
      if (this.ready.length > 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // A version that took no request for a whole flush gives its arrays back.
    for (const [key, kept] of this.spares) {
      const used = kept.filter((spare) => !this.idleSpares.has(spare));
      if (used.length === 0) this.spares.delete(key);
      else this.spares.set(key, used);
    }
    this.idleSpares = new Set([...this.spares.values()].flat());
    this.reportDrops();
  }

  private closeOpenStages(): void {
    for (const versions of this.open.values()) for (const stage of versions.values()) this.seal(stage);
  }

  /** Ready stages, oldest first, up to FLUSH_ROWS rows (at least one stage). */
  private takeReady(): PredictionStage[] {
    let count = 0;
    let rows = 0;
    while (count < this.ready.length && (count === 0 || rows + this.ready[count]!.rows <= FLUSH_ROWS)) {
      rows += this.ready[count]!.rows;
      count += 1;
    }
    return this.ready.splice(0, count);
  }

  private async write(stages: readonly PredictionStage[]): Promise<void> {
    let groups: LoggedGroup[];
    try {
      groups = this.segments.toGroups(stages);
    } catch (error) {
      this.failed(stages, error);
      return;
    }
    // The groups hold copies: the stages can take the next requests (the failure path counts only rows).
    const rows = stages.map((stage) => ({ model: stage.model, rows: stage.rows }));
    for (const stage of stages) {
      stage.reset();
      this.keepSpare(stage);
    }
    try {
      await this.options.writer.write(groups);
    } catch (error) {
      this.failed(rows, error);
      this.segments.release(groups);
      return;
    }
    this.writeError = undefined;
    try {
      for (const group of groups) this.options.observer?.predictionsLogged(group.model, group.columns.rows);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'logged predictions not counted in metrics');
    }
    // The columns' storage serves a later flush once every subscriber is done with them; the flush
    // does not wait for that.
    void this.notify({ groups }).then(() => this.segments.release(groups));
  }

  private failed(stages: readonly { model: string; rows: number }[], error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.writeError = message;
    let rows = 0;
    for (const stage of stages) {
      this.drop(stage.model, stage.rows);
      rows += stage.rows;
    }
    this.options.logger?.warn({ err: error, rows }, `prediction log write failed: ${message}`);
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

  /** Hand a stored batch to every subscriber; settles when all of them are done (never rejects). */
  private notify(batch: LoggedPredictions): Promise<unknown> {
    const pending: Promise<unknown>[] = [];
    for (const listener of this.listeners) {
      try {
        const result = listener(batch);
        if (result instanceof Promise) {
          pending.push(result.catch((error: unknown) => this.listenerFailed(error)));
        }
      } catch (error) {
        this.listenerFailed(error);
      }
    }
    return Promise.all(pending);
  }

  private listenerFailed(error: unknown): void {
    this.options.logger?.warn({ err: error }, 'a prediction log subscriber failed');
  }
}
