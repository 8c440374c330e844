import { fromHalfBits, type Datatype } from '../../core/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import type { FeatureSpec } from './feature-spec.js';

/** One feature value: a number, a category (text or boolean), or null when missing (NaN, absent). */
export type FeatureValue = number | string | boolean | null;

/** One row of a request: its input features and its outputs, by feature name. */
export interface ExtractedRow {
  readonly features: Record<string, FeatureValue>;
  readonly outputs: Record<string, FeatureValue>;
}

/** Named tensors of a request (inputs) or of its answer (outputs). */
export type NamedTensors = Readonly<Record<string, RuntimeTensor | undefined>>;

type Reader = (index: number) => FeatureValue;

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** Exact powers of ten as doubles (10^0 … 10^22; beyond, a power of ten is rounded). */
const POWERS_OF_TEN = Array.from({ length: 23 }, (_, k) => Number(`1e${k}`));

/** {@link shortFloat32} the slow, obviously right way. */
function shortFloat32ByText(value: number): number {
  const short = Number(value.toPrecision(7));
  return Math.fround(short) === value ? short : value;
}

/**
 * A float32 as the shortest of 7 significant digits when that reads back as the same float32
 * (46.1, not 46.099998474121094); other values as they are. Computed with arithmetic: the 7-digit
 * mantissa m and the exact power of ten p give m / p (or m · p), the correctly rounded double of
 * the decimal, exactly what `Number(value.toPrecision(7))` gives; values whose rounding is too
 * close to a tie to decide in doubles, and magnitudes beyond the exact powers of ten, take the
 * text route.
 */
export function shortFloat32(value: number): number {
  if (value === 0) return 0; // −0 too, as its text "0.000000" reads
  if (!Number.isFinite(value)) return value;
  const magnitude = Math.abs(value);
  if (magnitude < 1e7 && Number.isInteger(value)) return value;
  let exponent = Math.floor(Math.log10(magnitude));
  if (exponent < -16 || exponent > 27) return shortFloat32ByText(value);
  let scaled = scaledBy(magnitude, exponent);
  // log10 may be one off next to a power of ten: keep the mantissa to 7 digits.
  if (scaled >= 1e7) scaled = scaledBy(magnitude, ++exponent);
  else if (scaled < 1e6) scaled = scaledBy(magnitude, --exponent);
  if (exponent < -16 || exponent > 27) return shortFloat32ByText(value);
  const floor = Math.floor(scaled);
  const fraction = scaled - floor;
  if (Math.abs(fraction - 0.5) < 1e-6) return shortFloat32ByText(value);
  const mantissa = fraction < 0.5 ? floor : floor + 1;
  const short =
    exponent <= 6 ? mantissa / POWERS_OF_TEN[6 - exponent]! : mantissa * POWERS_OF_TEN[exponent - 6]!;
  const signed = value < 0 ? -short : short;
  return Math.fround(signed) === value ? signed : value;
}

/** `magnitude` scaled to 7 digits before the point for its decimal exponent `e` (−16 … 27). */
function scaledBy(magnitude: number, e: number): number {
  return e <= 6 ? magnitude * POWERS_OF_TEN[6 - e]! : magnitude / POWERS_OF_TEN[e - 6]!;
}

/** A stored float32 feature value: {@link shortFloat32}, or null when NaN or infinite (missing). */
export function storedFloat32(value: number): number | null {
  return Number.isFinite(value) ? shortFloat32(value) : null;
}

/** Read element `index` of a tensor as a feature value of `kind`. */
function readerFor(tensor: RuntimeTensor, kind: FeatureSpec['kind']): Reader {
  const data = tensor.data;
  const datatype: Datatype = tensor.datatype;
  if (Array.isArray(data)) {
    // BYTES: text is always a category.
    return (index) => data[index] ?? null;
  }
  const categorical = kind === 'categorical';
  switch (datatype) {
    case 'BOOL': {
      const bytes = data as Uint8Array;
      return categorical
        ? (index) => (index < bytes.length ? bytes[index] !== 0 : null)
        : (index) => (index < bytes.length ? (bytes[index] !== 0 ? 1 : 0) : null);
    }
    case 'FP16': {
      const bits = data as Uint16Array;
      return (index) => {
        if (index >= bits.length) return null;
        const value = finite(fromHalfBits(bits[index]!));
        return categorical && value !== null ? String(value) : value;
      };
    }
    case 'INT64':
    case 'UINT64': {
      const big = data as BigInt64Array | BigUint64Array;
      return (index) => {
        if (index >= big.length) return null;
        const value = big[index]!;
        return categorical ? value.toString() : Number(value);
      };
    }
    case 'FP32': {
      // The shortest decimal that is still the same float32 (46.1, not 46.099998474121094).
      const floats = data as Float32Array;
      return (index) => {
        if (index >= floats.length) return null;
        const value = finite(shortFloat32(floats[index]!));
        return categorical && value !== null ? String(value) : value;
      };
    }
    case 'BYTES': // text is handled above; BYTES data is always an array
    case 'UINT8':
    case 'INT8':
    case 'UINT16':
    case 'INT16':
    case 'UINT32':
    case 'INT32':
    case 'FP64': {
      const numbers = data as Exclude<typeof data, string[] | BigInt64Array | BigUint64Array>;
      return categorical
        ? (index) => {
            const value = index < numbers.length ? finite(numbers[index]!) : null;
            return value === null ? null : String(value);
          }
        : (index) => (index < numbers.length ? finite(numbers[index]!) : null);
    }
  }
}

/** Rows of a tensor as a feature's column sees them. */
function rowsOf(tensor: RuntimeTensor, column: number | null): number {
  return rowsOfShape(tensor.shape.length, tensor.shape[0], column);
}

/**
 * Rows of a tensor of rank `rank` and first dimension `first` as a feature's column sees them: a
 * whole-tensor feature (`column` null) has the first dimension, a column of a matrix too, a
 * column of a vector one row.
 */
export function rowsOfShape(rank: number, first: number | undefined, column: number | null): number {
  if (column === null) return first ?? 1;
  return rank >= 2 ? (first ?? 0) : 1;
}

interface Column {
  readonly name: string;
  readonly output: boolean;
  readonly read: Reader;
  /** Element index of row 0, and the distance between rows. */
  readonly offset: number;
  readonly stride: number;
  readonly rows: number;
}

/** An input feature whose tensor is absent: null in every row. */
const MISSING: Column = { name: '', output: false, read: () => null, offset: 0, stride: 0, rows: Infinity };

/**
 * Where a feature's values sit in a request's tensor: the element of row 0, the distance between
 * rows, and the rows the tensor has (an offset past the data when the column is not there).
 */
export interface TensorPlace {
  readonly offset: number;
  readonly stride: number;
  readonly rows: number;
}

/** The {@link TensorPlace} of a feature in its tensor. */
export function placeOf(feature: FeatureSpec, tensor: RuntimeTensor): TensorPlace {
  const rows = rowsOf(tensor, feature.column);
  if (feature.column === null) return { offset: 0, stride: 1, rows };
  const width = tensor.shape[tensor.shape.length - 1] ?? 0;
  const offset = feature.column < width ? feature.column : Number.MAX_SAFE_INTEGER;
  return { offset, stride: width, rows };
}

/** Read element `index` of a tensor as {@link extractRows} reads a feature of `kind`. */
export function elementReader(tensor: RuntimeTensor, kind: FeatureSpec['kind']): Reader {
  return readerFor(tensor, kind);
}

function columnOf(feature: FeatureSpec, tensor: RuntimeTensor): Column {
  return {
    name: feature.name,
    output: feature.source === 'output',
    read: readerFor(tensor, feature.kind),
    ...placeOf(feature, tensor),
  };
}

/**
 * The rows a request has as {@link extractRows} counts them: the first input feature's (else the
 * first output's), 0 with no feature tensor at all.
 */
export function rowCountOf(
  features: readonly FeatureSpec[],
  inputs: NamedTensors | undefined,
  outputs: NamedTensors | undefined,
): number {
  let outputRows = -1;
  for (const feature of features) {
    const output = feature.source === 'output';
    const tensor = (output ? outputs : inputs)?.[feature.tensor];
    if (tensor === undefined) continue;
    if (!output) return rowsOf(tensor, feature.column);
    if (outputRows < 0) outputRows = rowsOf(tensor, feature.column);
  }
  return Math.max(0, outputRows);
}

/**
 * Turn a request's tensors into rows of named values, one per row of its batch. Input features of
 * a missing tensor are null; outputs the request did not ask for are left out. NaN and infinities
 * are null (missing); INT64 values become numbers (exact up to 2^53); columns of a categorical kind
 * hold text (`"3"`) or booleans. The row count is `rowCount` when given, else the first input
 * feature's (else the first output's); with no feature tensor at all the result is empty.
 */
export function extractRows(
  features: readonly FeatureSpec[],
  inputs: NamedTensors | undefined,
  outputs: NamedTensors | undefined,
  rowCount?: number,
): ExtractedRow[] {
  const columns: Column[] = [];
  let rows = -1;
  let outputRows = -1;
  for (const feature of features) {
    const output = feature.source === 'output';
    const tensor = (output ? outputs : inputs)?.[feature.tensor];
    if (tensor === undefined) {
      if (!output) columns.push({ ...MISSING, name: feature.name });
      continue;
    }
    const column = columnOf(feature, tensor);
    if (!output && rows < 0) rows = column.rows;
    if (output && outputRows < 0) outputRows = column.rows;
    columns.push(column);
  }
  if (rows < 0) rows = outputRows;
  if (rowCount !== undefined) rows = rowCount;
  if (rows <= 0) return [];
  const result: ExtractedRow[] = new Array<ExtractedRow>(rows);
  for (let row = 0; row < rows; row++) {
    const featureValues: Record<string, FeatureValue> = {};
    const outputValues: Record<string, FeatureValue> = {};
    for (const column of columns) {
      const value = row < column.rows ? column.read(column.offset + row * column.stride) : null;
      if (column.output) outputValues[column.name] = value;
      else featureValues[column.name] = value;
    }
    result[row] = { features: featureValues, outputs: outputValues };
  }
  return result;
}
