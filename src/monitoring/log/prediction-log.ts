import { newRequestId, type FerryConfig, type Logger } from '../../core/index.js';
import type { PredictionEvent, PredictionSink } from '../../serving/index.js';
import type { Signature } from '../../registry/index.js';
import { extractRows, rowCountOf, type ExtractedRow, type NamedTensors } from '../features/extract-rows.js';
import { cachedFeaturesOf, type FeatureSpec } from '../features/feature-spec.js';
import { monitoringSettingsFor } from '../monitoring-settings.js';
import { BoundedQueue } from './bounded-queue.js';
import { markPacked, PackedLayout, unpackFeatures, type PackedFeatures } from './packed-features.js';
import type {
  LoggedGroup,
  LoggedPredictions,
  PredictionListener,
  PredictionRecord,
} from './prediction-record.js';
import { Redactor } from './redaction.js';

/** Where flushed records go (the PredictionStore). */
export interface PredictionWriter {
  insert(records: readonly PredictionRecord[]): Promise<void>;
}

/** Told what the log wrote and dropped, per model (Prometheus counters). Called off the hot path. */
export interface PredictionLogObserver {
  predictionsLogged(model: string, count: number): void;
  predictionsDropped(model: string, count: number): void;
}

/**
 * Flags a stored row (input validation against the reference profile). It sees the row as stored,
 * after redaction, and its reasons are stored with the row: they must not quote values.
 */
export interface PredictionFlagger {
  (
    model: string,
    version: number,
    features: Readonly<Record<string, ExtractedRow['features'][string]>>,
  ): readonly string[] | undefined;
  /**
   * The same check of a row whose numeric inputs are packed (see PackedFeatures), without making
   * its features object; when absent, the log makes the object and calls the flagger.
   */
  readonly packed?: (
    model: string,
    version: number,
    features: PackedFeatures,
  ) => readonly string[] | undefined;
}

/**
 * How the log turns the events of one model version into records: the features it profiles, and
 * which input features it packs as float32 (numeric, read from an FP32 tensor, kept as they are).
 */
interface VersionPlan {
  readonly signature: Signature;
  readonly redactor: Redactor;
  /** Every feature of the signature. */
  readonly features: readonly FeatureSpec[];
  /** What subscribers may profile (not dropped, not hashed). */
  readonly profiled: readonly FeatureSpec[];
  /** Undefined when nothing is packed. */
  readonly layout: PackedLayout | undefined;
  readonly packed: readonly FeatureSpec[];
  /** The features extracted by name: inputs not packed, and outputs. */
  readonly rest: readonly FeatureSpec[];
  /** The packed features are columns 0…n−1, in order, of one tensor n wide: rows are views of it. */
  readonly contiguous: boolean;
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
 * Rows written per flush step (one INSERT). On SQLite a write holds the event loop (better-sqlite3
 * is synchronous, about 12 µs a row measured), so steps stay small and the flush yields between them.
 */
const FLUSH_ROWS = 500;

/** How long after the last drop health keeps warning. */
export const DROP_WARNING_MS = 5 * 60_000;

/**
 * The prediction log. On the hot path, {@link sample} and {@link record} are O(1), never throw
 * and never wait: a sampled request is appended to a bounded buffer (`monitoring.bufferSize`
 * rows), or dropped and counted when the buffer is full. Off the hot path, a timer
 * (`monitoring.flushIntervalMs`), or the buffer passing `monitoring.flushAtFill` of its size,
 * drains it: it turns tensors into named rows, redacts them, writes them 500 rows per step, and
 * hands what was stored to subscribers. Rows being written still count against the buffer, so memory stays bounded when
 * the database is slow.
 */
export class PredictionLog implements PredictionSink {
  private readonly buffer: BoundedQueue<PredictionEvent>;
  private readonly rates = new Map<string, number>();
  private readonly redactors = new Map<string, Redactor>();
  private readonly plans = new Map<string, VersionPlan>();
  private readonly listeners = new Set<PredictionListener>();
  private readonly droppedByModel = new Map<string, number>();
  private readonly random: () => number;
  private readonly clock: () => number;
  private flagger: PredictionFlagger | undefined;
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
    this.flagger = flagger;
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
      groups = this.toGroups(events);
    } catch (error) {
      this.failed(events, error);
      return;
    }
    const records = groups.flatMap((group) => group.records);
    try {
      await this.options.writer.insert(records);
    } catch (error) {
      this.failed(events, error);
      return;
    }
    this.writeError = undefined;
    try {
      for (const group of groups) this.options.observer?.predictionsLogged(group.model, group.records.length);
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

  private flag(
    event: PredictionEvent,
    features: PredictionRecord['features'],
  ): readonly string[] | undefined {
    if (this.flagger === undefined) return undefined;
    try {
      return this.flagger(event.model, event.version, features);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'the prediction flagger failed; the row is stored unflagged');
      return undefined;
    }
  }

  private listenerFailed(error: unknown): void {
    this.options.logger?.warn({ err: error }, 'a prediction log subscriber failed');
  }

  private redactorFor(model: string): Redactor {
    let redactor = this.redactors.get(model);
    if (redactor === undefined) {
      const where =
        this.options.config.monitoring.overrides[model]?.redact === undefined
          ? 'monitoring.redact'
          : `monitoring.overrides.${model}.redact`;
      redactor = new Redactor(
        monitoringSettingsFor(this.options.config, model).redact,
        this.options.salt,
        where,
      );
      this.redactors.set(model, redactor);
    }
    return redactor;
  }

  /** How the events of a model version become records (made once per version). */
  private planFor(event: PredictionEvent): VersionPlan {
    const key = `${event.model}\u0000${event.version}`;
    const known = this.plans.get(key);
    if (known !== undefined && known.signature === event.signature) return known;
    const { features } = cachedFeaturesOf(event.signature);
    const redactor = this.redactorFor(event.model);
    const fp32 = new Set(
      event.signature.inputs.filter((spec) => spec.datatype === 'FP32').map((spec) => spec.name),
    );
    const packed = features.filter(
      (feature) =>
        feature.source === 'input' &&
        feature.kind === 'numeric' &&
        fp32.has(feature.tensor) &&
        redactor.decide(feature.name) === 'keep',
    );
    const packedNames = new Set(packed.map((feature) => feature.name));
    const order = features
      .filter((feature) => feature.source === 'input' && redactor.decide(feature.name) !== 'drop')
      .map((feature) => feature.name);
    const width = event.signature.inputs.find((spec) => spec.name === packed[0]?.tensor)?.shape.at(-1);
    const plan: VersionPlan = {
      signature: event.signature,
      redactor,
      features,
      profiled: features.filter((feature) => redactor.decide(feature.name) === 'keep'),
      layout: packed.length === 0 ? undefined : new PackedLayout(order, [...packedNames]),
      packed,
      rest: features.filter((feature) => !packedNames.has(feature.name)),
      contiguous:
        packed.length === width &&
        packed.every((feature, i) => feature.tensor === packed[0]!.tensor && feature.column === i),
    };
    this.plans.set(key, plan);
    return plan;
  }

  /** Turn buffered events into redacted records, grouped by model version (insertion order). */
  private toGroups(events: readonly PredictionEvent[]): LoggedGroup[] {
    const groups = new Map<
      string,
      { model: string; version: number; features: readonly FeatureSpec[]; records: PredictionRecord[] }
    >();
    for (const event of events) {
      const key = `${event.model}\u0000${event.version}`;
      const plan = this.planFor(event);
      let group = groups.get(key);
      if (group === undefined) {
        group = { model: event.model, version: event.version, features: plan.profiled, records: [] };
        groups.set(key, group);
      }
      this.appendRecords(event, plan, group.records);
    }
    return [...groups.values()];
  }

  private appendRecords(event: PredictionEvent, plan: VersionPlan, out: PredictionRecord[]): void {
    const { redactor } = plan;
    const requestId = event.requestId ?? newRequestId();
    const at = new Date(event.at).toISOString();
    const base = {
      at,
      model: event.model,
      version: event.version,
      latencyMs: event.latencyMs,
      status: event.status,
      ...(event.code === undefined ? {} : { code: event.code }),
      caller: event.caller,
    };
    if (event.inputs === undefined && event.outputs === undefined) {
      out.push({ ...base, requestId, features: {}, outputs: {}, ...flagsOf(event.flags) });
      return;
    }
    const rowCount = rowCountOf(plan.features, event.inputs, event.outputs);
    const packable = plan.layout !== undefined && rowCount > 0 && isPackable(plan.packed, event.inputs);
    const rows = extractRows(
      packable ? plan.rest : plan.features,
      event.inputs,
      event.outputs,
      packable ? rowCount : undefined,
    );
    if (rows.length === 0) {
      out.push({ ...base, requestId, features: {}, outputs: {}, ...flagsOf(event.flags) });
      return;
    }
    const empty = redactor.isEmpty;
    rows.forEach((row, index) => {
      const outputs = empty ? row.outputs : redactor.apply(row.outputs);
      const id = rows.length === 1 ? requestId : `${requestId}#${index}`;
      if (!packable) {
        const stored = empty ? row.features : redactor.apply(row.features);
        const flags = withFlags(event.flags, this.flag(event, stored));
        out.push({ ...base, requestId: id, features: stored, outputs, ...flagsOf(flags) });
        return;
      }
      const packed: PackedFeatures = {
        layout: plan.layout,
        values: packedRow(plan, event.inputs!, index),
        rest: empty ? row.features : redactor.apply(row.features),
      };
      let features: Record<string, ExtractedRow['features'][string]> | undefined;
      const record: PredictionRecord = {
        ...base,
        requestId: id,
        // Made on first read only: the store, the profiles and validation read the packed values.
        get features() {
          return (features ??= unpackFeatures(packed));
        },
        outputs,
        ...flagsOf(withFlags(event.flags, this.flagPacked(event, packed))),
      };
      markPacked(record, packed);
      out.push(record);
    });
  }

  private flagPacked(event: PredictionEvent, packed: PackedFeatures): readonly string[] | undefined {
    if (this.flagger === undefined) return undefined;
    if (this.flagger.packed === undefined) return this.flag(event, unpackFeatures(packed));
    try {
      return this.flagger.packed(event.model, event.version, packed);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'the prediction flagger failed; the row is stored unflagged');
      return undefined;
    }
  }
}

/** Can this request's packed features be read as float32: every tensor present, FP32, 1-D or 2-D? */
function isPackable(packed: readonly FeatureSpec[], inputs: NamedTensors | undefined): boolean {
  for (const feature of packed) {
    const tensor = inputs?.[feature.tensor];
    if (tensor === undefined || tensor.datatype !== 'FP32' || !(tensor.data instanceof Float32Array))
      return false;
    if (tensor.shape.length > 2) return false;
  }
  return true;
}

/** Row `row`'s packed values: a view of the (logged, private) tensor when it lines up, else a copy. */
function packedRow(plan: VersionPlan, inputs: NamedTensors, row: number): Float32Array {
  const first = inputs[plan.packed[0]!.tensor]!;
  const width = plan.packed.length;
  if (plan.contiguous && first.shape.length === 2 && first.shape[1] === width) {
    const data = first.data as Float32Array;
    if ((row + 1) * width <= data.length) return data.subarray(row * width, (row + 1) * width);
  }
  const values = new Float32Array(width);
  plan.packed.forEach((feature, i) => {
    const tensor = inputs[feature.tensor]!;
    const data = tensor.data as Float32Array;
    let index: number;
    if (feature.column === null) index = row;
    else {
      const columns = tensor.shape[tensor.shape.length - 1] ?? 0;
      const rows = tensor.shape.length >= 2 ? (tensor.shape[0] ?? 0) : 1;
      index = feature.column < columns && row < rows ? row * columns + feature.column : -1;
    }
    values[i] = index >= 0 && index < data.length ? data[index]! : NaN;
  });
  return values;
}

function withFlags(
  flags: readonly string[] | undefined,
  flagged: readonly string[] | undefined,
): readonly string[] | undefined {
  return flagged === undefined || flagged.length === 0 ? flags : [...(flags ?? []), ...flagged];
}

function flagsOf(flags: readonly string[] | undefined): { flags?: readonly string[] } {
  return flags === undefined || flags.length === 0 ? {} : { flags };
}
