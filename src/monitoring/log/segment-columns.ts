import { storedFloat32, type FeatureValue } from '../features/extract-rows.js';
import type { FeatureSpec } from '../features/feature-spec.js';
import type { LoggedGroup, PredictionRecord, PredictionStatus } from './prediction-record.js';

/** Bits of a row's mark. */
export const Mark = {
  /** The request failed (status `error`). */
  Error: 1,
  /** Input validation flagged the row. */
  Flagged: 2,
  /** A row after the first of a multi-row request (`<id>#1`, `#2`, …): requests count once. */
  LaterRow: 4,
} as const;

/**
 * One named column of a segment: float32 values (numbers the log read from FP32 tensors, read
 * back as the shortest decimal of the float32, NaN as null) or plain values. `absent[row]` is 1
 * for a row without the name (a failed request, an output it did not ask for).
 */
export interface Column {
  readonly name: string;
  readonly f32?: Float32Array | undefined;
  readonly values?: readonly FeatureValue[] | undefined;
  readonly absent?: Uint8Array | undefined;
}

/** The value of a column at a row: undefined when absent. */
export function valueAt(column: Column, row: number): FeatureValue | undefined {
  if (column.absent !== undefined && column.absent[row] === 1) return undefined;
  return column.f32 === undefined ? (column.values![row] ?? null) : storedFloat32(column.f32[row]!);
}

/** The fields of a {@link SegmentColumns}. */
export interface SegmentFields {
  readonly model: string;
  readonly version: number;
  readonly ids: readonly string[];
  /** Ms since the epoch, per row. */
  readonly times: Float64Array;
  readonly latencies: Float64Array;
  /** {@link Mark} bits per row. */
  readonly marks: Uint8Array;
  readonly callers: readonly string[];
  /** Index into `callers` per row. */
  readonly callerOf: Uint32Array;
  readonly codes: ReadonlyMap<number, string>;
  readonly flags: ReadonlyMap<number, readonly string[]>;
  readonly inputs: readonly Column[];
  readonly outputs: readonly Column[];
}

/**
 * The predictions of one model version in one flush, column by column: what the log builds from
 * requests, stores as one segment, and hands to its subscribers (profiles read the columns, not
 * per-row objects).
 */
export class SegmentColumns implements SegmentFields {
  readonly model: string;
  readonly version: number;
  readonly ids: readonly string[];
  readonly times: Float64Array;
  readonly latencies: Float64Array;
  readonly marks: Uint8Array;
  readonly callers: readonly string[];
  readonly callerOf: Uint32Array;
  readonly codes: ReadonlyMap<number, string>;
  readonly flags: ReadonlyMap<number, readonly string[]>;
  readonly inputs: readonly Column[];
  readonly outputs: readonly Column[];
  private byName: Map<string, Column> | undefined;

  constructor(fields: SegmentFields) {
    this.model = fields.model;
    this.version = fields.version;
    this.ids = fields.ids;
    this.times = fields.times;
    this.latencies = fields.latencies;
    this.marks = fields.marks;
    this.callers = fields.callers;
    this.callerOf = fields.callerOf;
    this.codes = fields.codes;
    this.flags = fields.flags;
    this.inputs = fields.inputs;
    this.outputs = fields.outputs;
  }

  get rows(): number {
    return this.ids.length;
  }

  /** The input column of a name, else the output column, else undefined. */
  column(name: string, source: 'input' | 'output'): Column | undefined {
    if (this.byName === undefined) {
      this.byName = new Map();
      for (const column of this.inputs) this.byName.set(`i:${column.name}`, column);
      for (const column of this.outputs) this.byName.set(`o:${column.name}`, column);
    }
    return this.byName.get(`${source === 'input' ? 'i' : 'o'}:${name}`);
  }

  status(row: number): PredictionStatus {
    return (this.marks[row]! & Mark.Error) === 0 ? 'ok' : 'error';
  }

  /** Row `row` as a record. */
  record(row: number): PredictionRecord {
    const code = this.codes.get(row);
    const flags = this.flags.get(row);
    return {
      requestId: this.ids[row]!,
      at: new Date(this.times[row]!).toISOString(),
      model: this.model,
      version: this.version,
      features: valuesOf(this.inputs, row),
      outputs: valuesOf(this.outputs, row),
      latencyMs: this.latencies[row]!,
      status: this.status(row),
      ...(code === undefined ? {} : { code }),
      caller: this.callers[this.callerOf[row]!] ?? 'anonymous',
      ...(flags === undefined ? {} : { flags }),
    };
  }

  /** Every row as a record. */
  records(): PredictionRecord[] {
    return Array.from({ length: this.rows }, (_, row) => this.record(row));
  }

  /** The same rows with validation flags added (rows not in `flagged` keep theirs). */
  withFlags(flagged: ReadonlyMap<number, readonly string[]>): SegmentColumns {
    if (flagged.size === 0) return this;
    const flags = new Map(this.flags);
    const marks = Uint8Array.from(this.marks);
    for (const [row, reasons] of flagged) {
      if (reasons.length === 0) continue;
      flags.set(row, [...(flags.get(row) ?? []), ...reasons]);
      marks[row]! |= Mark.Flagged;
    }
    return new SegmentColumns({ ...this.fields(), flags, marks });
  }

  /** The rows `keep` picks, in order. */
  select(keep: (row: number) => boolean): SegmentColumns {
    const rows: number[] = [];
    for (let row = 0; row < this.rows; row += 1) if (keep(row)) rows.push(row);
    const remap = new Map(rows.map((row, index) => [row, index]));
    const moved = <T>(map: ReadonlyMap<number, T>) => {
      const out = new Map<number, T>();
      for (const [row, value] of map) {
        const index = remap.get(row);
        if (index !== undefined) out.set(index, value);
      }
      return out;
    };
    const pick = (column: Column): Column => ({
      name: column.name,
      f32: column.f32 === undefined ? undefined : Float32Array.from(rows, (row) => column.f32![row]!),
      values: column.values === undefined ? undefined : rows.map((row) => column.values![row] ?? null),
      absent: column.absent === undefined ? undefined : Uint8Array.from(rows, (row) => column.absent![row]!),
    });
    return new SegmentColumns({
      model: this.model,
      version: this.version,
      ids: rows.map((row) => this.ids[row]!),
      times: Float64Array.from(rows, (row) => this.times[row]!),
      latencies: Float64Array.from(rows, (row) => this.latencies[row]!),
      marks: Uint8Array.from(rows, (row) => this.marks[row]!),
      callers: this.callers,
      callerOf: Uint32Array.from(rows, (row) => this.callerOf[row]!),
      codes: moved(this.codes),
      flags: moved(this.flags),
      inputs: this.inputs.map(pick),
      outputs: this.outputs.map(pick),
    });
  }

  private fields(): SegmentFields {
    return this;
  }

  /** Columns of records of one model version (tests, the legacy import and retention's rewrites). */
  static fromRecords(records: readonly PredictionRecord[]): SegmentColumns {
    const first = records[0];
    if (first === undefined) throw new Error('a segment needs at least one record');
    const rows = records.length;
    const callers: string[] = [];
    const callerIndex = new Map<string, number>();
    const callerOf = new Uint32Array(rows);
    const codes = new Map<number, string>();
    const flags = new Map<number, readonly string[]>();
    const marks = new Uint8Array(rows);
    const inputs = new ColumnSet(rows);
    const outputs = new ColumnSet(rows);
    records.forEach((record, row) => {
      let mark = laterRowMark(record.requestId);
      if (record.status === 'error') mark |= Mark.Error;
      if (record.code !== undefined) codes.set(row, record.code);
      if (record.flags !== undefined && record.flags.length > 0) {
        mark |= Mark.Flagged;
        flags.set(row, record.flags);
      }
      marks[row] = mark;
      let caller = callerIndex.get(record.caller);
      if (caller === undefined) {
        caller = callers.push(record.caller) - 1;
        callerIndex.set(record.caller, caller);
      }
      callerOf[row] = caller;
      for (const [name, value] of Object.entries(record.features)) inputs.set(name, row, value);
      for (const [name, value] of Object.entries(record.outputs)) outputs.set(name, row, value);
    });
    return new SegmentColumns({
      model: first.model,
      version: first.version,
      ids: records.map((record) => record.requestId),
      times: Float64Array.from(records, (record) => Date.parse(record.at)),
      latencies: Float64Array.from(records, (record) =>
        Number.isFinite(record.latencyMs) ? record.latencyMs : 0,
      ),
      marks,
      callers,
      callerOf,
      codes,
      flags,
      inputs: inputs.finish(),
      outputs: outputs.finish(),
    });
  }
}

/** The mark of a request id: later rows of a multi-row request are `<id>#<n>` with n > 0. */
export function laterRowMark(requestId: string): number {
  const hash = requestId.lastIndexOf('#');
  return hash >= 0 && requestId.slice(hash + 1) !== '0' ? Mark.LaterRow : 0;
}

function valuesOf(columns: readonly Column[], row: number): Record<string, FeatureValue> {
  const values: Record<string, FeatureValue> = {};
  for (const column of columns) {
    const value = valueAt(column, row);
    if (value !== undefined) values[column.name] = value;
  }
  return values;
}

/** Plain-value columns of rows given as objects, absent where a row lacks the name. */
class ColumnSet {
  private readonly columns = new Map<string, { values: FeatureValue[]; absent: Uint8Array }>();

  constructor(private readonly rows: number) {}

  set(name: string, row: number, value: FeatureValue): void {
    let column = this.columns.get(name);
    if (column === undefined) {
      column = {
        values: new Array<FeatureValue>(this.rows).fill(null),
        absent: new Uint8Array(this.rows).fill(1),
      };
      this.columns.set(name, column);
    }
    column.values[row] = value;
    column.absent[row] = 0;
  }

  finish(): Column[] {
    return [...this.columns].map(([name, { values, absent }]) => ({
      name,
      values,
      absent: absent.includes(1) ? absent : undefined,
    }));
  }
}

/** A log group of records (tests and tools: the log itself builds columns from tensors). */
export function groupOfRecords(
  features: readonly FeatureSpec[],
  records: readonly PredictionRecord[],
): LoggedGroup {
  const columns = SegmentColumns.fromRecords(records);
  return { model: columns.model, version: columns.version, features, columns, records };
}
