import type { FeatureValue } from '../features/extract-rows.js';
import type { PredictionRecord } from './prediction-record.js';
import { SegmentColumns, type Column } from './segment-columns.js';

/**
 * A segment: the predictions of one model version from one flush, stored as one database row.
 * Column by column instead of row by row: a flush of 5000 rows is one INSERT of a few blobs, not
 * 5000 rows each updating four indexes (which cost more than serving a small model).
 *
 * - `requestIds`: one per line (request ids never hold a line break, see core/request-id.ts).
 * - `summary`: per row its time (ms since the epoch, float64), latency (ms, float64) and marks
 *   (uint8, see Mark), all rows of one after the other: what the latency, error-rate and
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
  /** The same ids as a list (not stored; for the lookup keys). */
  readonly ids: readonly string[];
  readonly summary: Buffer;
  readonly body: Buffer;
}

/** A column in the header: float32 (values after the header) or plain values; absent rows listed. */
interface ColumnHeader {
  readonly name: string;
  readonly f32?: true;
  readonly values?: readonly FeatureValue[];
  readonly absent?: number[];
}

/** The JSON part of a segment's body. */
interface SegmentHeader {
  /** Distinct callers; `callerOf[row]` indexes them (absent when there is one caller). */
  readonly callers: readonly string[];
  readonly callerOf?: number[];
  /** Error code by row, for failed rows that have one. */
  readonly codes?: Record<string, string>;
  /** Validation reasons by row, for flagged rows. */
  readonly flags?: Record<string, readonly string[]>;
  readonly inputs: ColumnHeader[];
  readonly outputs: ColumnHeader[];
}

const SUMMARY_BYTES_PER_ROW = 17;

/**
 * The stored form of one segment's columns. With `scratch`, a body that fits is written into it
 * (the result's `body` is then a view of `scratch`, valid until it is written again).
 */
export function encodeColumns(columns: SegmentColumns, scratch?: Buffer): EncodedSegment {
  const rows = columns.rows;
  if (rows === 0) throw new Error('a segment needs at least one row');
  const summary = Buffer.alloc(rows * SUMMARY_BYTES_PER_ROW);
  Buffer.from(columns.times.buffer, columns.times.byteOffset, rows * 8).copy(summary, 0);
  Buffer.from(columns.latencies.buffer, columns.latencies.byteOffset, rows * 8).copy(summary, rows * 8);
  Buffer.from(columns.marks.buffer, columns.marks.byteOffset, rows).copy(summary, rows * 16);
  let firstMs = Infinity;
  let lastMs = -Infinity;
  for (const ms of columns.times) {
    if (ms < firstMs) firstMs = ms;
    if (ms > lastMs) lastMs = ms;
  }
  const f32: Float32Array[] = [];
  const headerOf = (column: Column): ColumnHeader => {
    const absent: number[] = [];
    if (column.absent !== undefined) {
      for (let row = 0; row < rows; row += 1) if (column.absent[row] === 1) absent.push(row);
    }
    const rest = absent.length === 0 ? {} : { absent };
    if (column.f32 !== undefined) {
      f32.push(column.f32);
      return { name: column.name, f32: true, ...rest };
    }
    return { name: column.name, values: column.values ?? [], ...rest };
  };
  const header: SegmentHeader = {
    callers: columns.callers,
    ...(columns.callers.length > 1 ? { callerOf: Array.from(columns.callerOf) } : {}),
    ...(columns.codes.size > 0 ? { codes: Object.fromEntries(columns.codes) } : {}),
    ...(columns.flags.size > 0 ? { flags: Object.fromEntries(columns.flags) } : {}),
    inputs: columns.inputs.map(headerOf),
    outputs: columns.outputs.map(headerOf),
  };
  return {
    model: columns.model,
    version: columns.version,
    rows,
    firstAt: new Date(firstMs).toISOString(),
    lastAt: new Date(lastMs).toISOString(),
    requestIds: columns.ids.join('\n'),
    ids: columns.ids,
    summary,
    body: bodyOf(header, f32, scratch),
  };
}

/** One segment of records of one model version (all records must share model and version). */
export function encodeSegment(records: readonly PredictionRecord[]): EncodedSegment {
  return encodeColumns(SegmentColumns.fromRecords(records));
}

function bodyOf(header: SegmentHeader, columns: readonly Float32Array[], scratch?: Buffer): Buffer {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = paddedStart(json.length);
  const size = start + columns.reduce((sum, column) => sum + column.byteLength, 0);
  const body =
    scratch !== undefined && scratch.length >= size ? scratch.subarray(0, size) : Buffer.alloc(size);
  body.writeUInt32LE(json.length, 0);
  json.copy(body, 4);
  body.fill(0, 4 + json.length, start);
  let offset = start;
  // Columns side by side in one buffer (as the log builds them) are copied as one run.
  for (let first = 0; first < columns.length;) {
    const { buffer, byteOffset } = columns[first]!;
    let end = byteOffset + columns[first]!.byteLength;
    let next = first + 1;
    while (next < columns.length && columns[next]!.buffer === buffer && columns[next]!.byteOffset === end) {
      end += columns[next]!.byteLength;
      next += 1;
    }
    body.set(new Uint8Array(buffer, byteOffset, end - byteOffset), offset);
    offset += end - byteOffset;
    first = next;
  }
  return body;
}

/** Where the float32 columns start after a header of `length` bytes. */
const paddedStart = (length: number): number => 4 + length + ((4 - ((4 + length) % 4)) % 4);

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

/** A stored segment's columns. */
export function decodeSegment(segment: StoredSegment, summary?: SegmentSummary): SegmentColumns {
  const rows = Number(segment.rows);
  const { times, latencies, marks } = summary ?? decodeSummary(segment.summary, rows);
  const body = Buffer.from(segment.body.buffer, segment.body.byteOffset, segment.body.byteLength);
  const length = body.readUInt32LE(0);
  const header = JSON.parse(body.toString('utf8', 4, 4 + length)) as SegmentHeader;
  let offset = paddedStart(length);
  const columns = (headers: readonly ColumnHeader[]) =>
    headers.map((column): Column => {
      let absent: Uint8Array | undefined;
      if (column.absent !== undefined) {
        absent = new Uint8Array(rows);
        for (const row of column.absent) absent[row] = 1;
      }
      if (column.f32 !== true) return { name: column.name, values: column.values ?? [], absent };
      const bytes = new Uint8Array(rows * 4);
      bytes.set(body.subarray(offset, offset + rows * 4));
      offset += rows * 4;
      return { name: column.name, f32: new Float32Array(bytes.buffer), absent };
    });
  const inputs = columns(header.inputs);
  const outputs = columns(header.outputs);
  return new SegmentColumns({
    model: segment.model,
    version: Number(segment.version),
    ids: rows === 0 ? [] : segment.request_ids.split('\n'),
    times,
    latencies,
    marks,
    callers: header.callers,
    callerOf: header.callerOf === undefined ? new Uint32Array(rows) : Uint32Array.from(header.callerOf),
    codes: new Map(Object.entries(header.codes ?? {}).map(([row, code]) => [Number(row), code])),
    flags: new Map(Object.entries(header.flags ?? {}).map(([row, flags]) => [Number(row), flags])),
    inputs,
    outputs,
  });
}
