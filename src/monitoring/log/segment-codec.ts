import { storedFloat32, type FeatureValue } from '../features/extract-rows.js';
import { packedFeaturesOf } from './packed-features.js';
import type { PredictionRecord, PredictionStatus } from './prediction-record.js';

/**
 * A segment: the predictions of one model version from one flush, stored as one database row.
 * Column by column instead of row by row: a flush of 5000 rows is one INSERT of a few blobs, not
 * 5000 rows each updating four indexes (which cost more than serving a small model).
 *
 * - `requestIds`: one per line (request ids never hold a line break, see core/request-id.ts).
 * - `summary`: per row its time (ms since the epoch, float64), latency (ms, float64) and marks
 *   (uint8, {@link Mark}), all rows of one after the other: what the latency, error-rate and
 *   flag-rate metrics and the retention pass read, without the body.
 * - `body`: a little-endian uint32 length, that many bytes of JSON ({@link SegmentHeader}), zero
 *   padding to a multiple of 4, then the float32 columns, `rows` values each, in header order.
 */
export interface EncodedSegment {
  readonly model: string;
  readonly version: number;
  readonly rows: number;
  /** Time of the oldest and newest row (ISO-8601). */
  readonly firstAt: string;
  readonly lastAt: string;
  readonly requestIds: string;
  readonly summary: Buffer;
  readonly body: Buffer;
}

/** Bits of a row's mark in the summary. */
export const Mark = {
  /** The request failed (status `error`). */
  Error: 1,
  /** Input validation flagged the row. */
  Flagged: 2,
  /** A row after the first of a multi-row request (`<id>#1`, `#2`, …): requests count once. */
  LaterRow: 4,
} as const;

/**
 * A column of named values: float32 (numeric inputs the log packed; stored after the header) or
 * JSON (every other value, in the header). Rows without the name are listed in `absent`.
 */
interface ColumnHeader {
  readonly name: string;
  readonly f32?: true;
  readonly values?: FeatureValue[];
  readonly absent?: number[];
}

/** The JSON part of a segment's body. */
interface SegmentHeader {
  /** Distinct callers; `callerOf[row]` indexes them (absent when there is one caller). */
  readonly callers: string[];
  readonly callerOf?: number[];
  /** Error code by row, for failed rows that have one. */
  readonly codes?: Record<string, string>;
  /** Validation reasons by row, for flagged rows. */
  readonly flags?: Record<string, readonly string[]>;
  readonly inputs: ColumnHeader[];
  readonly outputs: ColumnHeader[];
}

const SUMMARY_BYTES_PER_ROW = 17;

/** Builds one column from rows that may lack it, float32 while every value given is packed. */
class ColumnBuilder {
  private f32: Float32Array | undefined;
  private values: FeatureValue[] | undefined;
  private readonly absent: number[] = [];
  private filled = 0;

  constructor(
    readonly name: string,
    private readonly rows: number,
    packed: boolean,
  ) {
    if (packed) this.f32 = new Float32Array(rows).fill(NaN);
    else this.values = [];
  }

  /** A packed float32 value of row `row`. */
  setPacked(row: number, value: number): void {
    this.fillTo(row);
    if (this.f32 !== undefined) this.f32[row] = value;
    else this.values!.push(storedFloat32(value));
    this.filled = row + 1;
  }

  /** A plain value of row `row` (turns a float32 column into a JSON one). */
  set(row: number, value: FeatureValue): void {
    if (this.f32 !== undefined) this.toJson();
    this.fillTo(row);
    this.values!.push(value);
    this.filled = row + 1;
  }

  private fillTo(row: number): void {
    for (; this.filled < row; this.filled += 1) {
      this.absent.push(this.filled);
      this.values?.push(null);
    }
  }

  private toJson(): void {
    const f32 = this.f32!;
    this.f32 = undefined;
    this.values = [];
    const absent = new Set(this.absent);
    for (let row = 0; row < this.filled; row += 1)
      this.values.push(absent.has(row) ? null : storedFloat32(f32[row]!));
  }

  finish(): { header: ColumnHeader; f32?: Float32Array } {
    this.fillTo(this.rows);
    const absent = this.absent.length === 0 ? {} : { absent: this.absent };
    if (this.f32 !== undefined) return { header: { name: this.name, f32: true, ...absent }, f32: this.f32 };
    return { header: { name: this.name, values: this.values!, ...absent } };
  }
}

/** Columns by name, in the order names were first seen. */
class ColumnSet {
  private readonly columns = new Map<string, ColumnBuilder>();

  constructor(private readonly rows: number) {}

  column(name: string, packed: boolean): ColumnBuilder {
    let column = this.columns.get(name);
    if (column === undefined) {
      column = new ColumnBuilder(name, this.rows, packed);
      this.columns.set(name, column);
    }
    return column;
  }

  finish(): { headers: ColumnHeader[]; f32: Float32Array[] } {
    const headers: ColumnHeader[] = [];
    const f32: Float32Array[] = [];
    for (const column of this.columns.values()) {
      const done = column.finish();
      headers.push(done.header);
      if (done.f32 !== undefined) f32.push(done.f32);
    }
    return { headers, f32 };
  }
}

/** The mark of a request id: later rows of a multi-row request are `<id>#<n>` with n > 0. */
function laterRowMark(requestId: string): number {
  const hash = requestId.lastIndexOf('#');
  return hash >= 0 && requestId.slice(hash + 1) !== '0' ? Mark.LaterRow : 0;
}

/** One segment of records of one model version (all records must share model and version). */
export function encodeSegment(records: readonly PredictionRecord[]): EncodedSegment {
  const rows = records.length;
  const first = records[0];
  if (first === undefined) throw new Error('a segment needs at least one record');
  const summary = Buffer.alloc(rows * SUMMARY_BYTES_PER_ROW);
  const times = new Float64Array(rows);
  const latencies = new Float64Array(rows);
  const marks = new Uint8Array(rows);
  const ids: string[] = [];
  const callers: string[] = [];
  const callerIndex = new Map<string, number>();
  const callerOf: number[] = [];
  const codes: Record<string, string> = {};
  const flags: Record<string, readonly string[]> = {};
  let hasCodes = false;
  let hasFlags = false;
  const inputs = new ColumnSet(rows);
  const outputs = new ColumnSet(rows);
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (let row = 0; row < rows; row += 1) {
    const record = records[row]!;
    ids.push(record.requestId);
    const ms = Date.parse(record.at);
    times[row] = ms;
    if (ms < firstMs) firstMs = ms;
    if (ms > lastMs) lastMs = ms;
    latencies[row] = Number.isFinite(record.latencyMs) ? record.latencyMs : 0;
    let mark = laterRowMark(record.requestId);
    if (record.status === 'error') mark |= Mark.Error;
    if (record.code !== undefined) {
      codes[row] = record.code;
      hasCodes = true;
    }
    if (record.flags !== undefined && record.flags.length > 0) {
      mark |= Mark.Flagged;
      flags[row] = record.flags;
      hasFlags = true;
    }
    marks[row] = mark;
    let caller = callerIndex.get(record.caller);
    if (caller === undefined) {
      caller = callers.length;
      callers.push(record.caller);
      callerIndex.set(record.caller, caller);
    }
    callerOf.push(caller);
    const packed = packedFeaturesOf(record);
    if (packed === undefined) {
      for (const [name, value] of Object.entries(record.features)) inputs.column(name, false).set(row, value);
    } else {
      for (const name of packed.layout.order) {
        const position = packed.layout.index.get(name);
        if (position !== undefined) inputs.column(name, true).setPacked(row, packed.values[position]!);
        else if (name in packed.rest) inputs.column(name, false).set(row, packed.rest[name]!);
      }
    }
    for (const [name, value] of Object.entries(record.outputs)) outputs.column(name, false).set(row, value);
  }
  Buffer.from(times.buffer).copy(summary, 0);
  Buffer.from(latencies.buffer).copy(summary, rows * 8);
  Buffer.from(marks.buffer).copy(summary, rows * 16);
  const input = inputs.finish();
  const output = outputs.finish();
  const header: SegmentHeader = {
    callers,
    ...(callers.length > 1 ? { callerOf } : {}),
    ...(hasCodes ? { codes } : {}),
    ...(hasFlags ? { flags } : {}),
    inputs: input.headers,
    outputs: output.headers,
  };
  return {
    model: first.model,
    version: first.version,
    rows,
    firstAt: new Date(firstMs).toISOString(),
    lastAt: new Date(lastMs).toISOString(),
    requestIds: ids.join('\n'),
    summary,
    body: bodyOf(header, input.f32),
  };
}

function bodyOf(header: SegmentHeader, columns: readonly Float32Array[]): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = 4 + json.length + ((4 - ((4 + json.length) % 4)) % 4);
  const body = Buffer.alloc(start + columns.reduce((sum, column) => sum + column.byteLength, 0));
  body.writeUInt32LE(json.length, 0);
  json.copy(body, 4);
  let offset = start;
  for (const column of columns) {
    Buffer.from(column.buffer, column.byteOffset, column.byteLength).copy(body, offset);
    offset += column.byteLength;
  }
  return body;
}

/** The per-row times, latencies and marks of a segment (copied out of the stored bytes). */
export interface SegmentSummary {
  readonly rows: number;
  readonly times: Float64Array;
  readonly latencies: Float64Array;
  readonly marks: Uint8Array;
}

export function decodeSummary(summary: Uint8Array, rows: number): SegmentSummary {
  if (summary.byteLength !== rows * SUMMARY_BYTES_PER_ROW) {
    throw new Error(`segment summary of ${summary.byteLength} bytes for ${rows} rows`);
  }
  const copy = new Uint8Array(summary.byteLength);
  copy.set(summary);
  return {
    rows,
    times: new Float64Array(copy.buffer, 0, rows),
    latencies: new Float64Array(copy.buffer, rows * 8, rows),
    marks: copy.subarray(rows * 16),
  };
}

/** The database columns of a segment a full decode needs. */
export interface StoredSegment {
  readonly model: string;
  readonly version: number;
  readonly rows: number;
  readonly request_ids: string;
  readonly summary: Uint8Array;
  readonly body: Uint8Array;
}

/** Reads rows of a stored segment back as records. */
export class SegmentRows {
  readonly summary: SegmentSummary;
  readonly ids: string[];
  private readonly header: SegmentHeader;
  private readonly inputs: DecodedColumn[];
  private readonly outputs: DecodedColumn[];

  constructor(private readonly segment: StoredSegment) {
    const rows = Number(segment.rows);
    this.summary = decodeSummary(segment.summary, rows);
    this.ids = segment.request_ids.split('\n');
    const body = Buffer.from(segment.body.buffer, segment.body.byteOffset, segment.body.byteLength);
    const length = body.readUInt32LE(0);
    this.header = JSON.parse(body.toString('utf8', 4, 4 + length)) as SegmentHeader;
    let offset = 4 + length + ((4 - ((4 + length) % 4)) % 4);
    const columns = (headers: readonly ColumnHeader[]) =>
      headers.map((header): DecodedColumn => {
        const absent = new Set(header.absent ?? []);
        if (header.f32 !== true) return { name: header.name, absent, values: header.values ?? [] };
        const bytes = new Uint8Array(rows * 4);
        bytes.set(body.subarray(offset, offset + rows * 4));
        offset += rows * 4;
        return { name: header.name, absent, f32: new Float32Array(bytes.buffer) };
      });
    this.inputs = columns(this.header.inputs);
    this.outputs = columns(this.header.outputs);
  }

  get rows(): number {
    return this.summary.rows;
  }

  /** The record of row `row`. */
  record(row: number): PredictionRecord {
    const { summary, header } = this;
    const mark = summary.marks[row]!;
    const code = header.codes?.[row];
    const flags = header.flags?.[row];
    return {
      requestId: this.ids[row]!,
      at: new Date(summary.times[row]!).toISOString(),
      model: this.segment.model,
      version: Number(this.segment.version),
      features: valuesOf(this.inputs, row),
      outputs: valuesOf(this.outputs, row),
      latencyMs: summary.latencies[row]!,
      status: ((mark & Mark.Error) === 0 ? 'ok' : 'error') satisfies PredictionStatus,
      ...(code === undefined ? {} : { code }),
      caller: header.callers[header.callerOf?.[row] ?? 0] ?? 'anonymous',
      ...(flags === undefined ? {} : { flags }),
    };
  }
}

interface DecodedColumn {
  readonly name: string;
  readonly absent: ReadonlySet<number>;
  readonly values?: readonly FeatureValue[];
  readonly f32?: Float32Array;
}

function valuesOf(columns: readonly DecodedColumn[], row: number): Record<string, FeatureValue> {
  const values: Record<string, FeatureValue> = {};
  for (const column of columns) {
    if (column.absent.has(row)) continue;
    values[column.name] =
      column.f32 === undefined ? (column.values![row] ?? null) : storedFloat32(column.f32[row]!);
  }
  return values;
}
