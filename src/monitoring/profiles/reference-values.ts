import { FerryError, fromHalfBits, INTEGER_RANGES, toHalfBits, type Datatype } from '../../core/index.js';
import type { FeatureValue } from '../features/extract-rows.js';
import type { FeatureKind } from '../features/feature-spec.js';
import type { RawCell } from './reference-dataset.js';

/** Text a numeric column may hold for a missing value (any case), besides an empty field. */
const MISSING_WORDS: ReadonlySet<string> = new Set(['nan', 'na', 'n/a', 'null', 'none']);

const FLOATS: ReadonlySet<Datatype> = new Set(['FP16', 'FP32', 'FP64']);

/** Can a tensor of this datatype hold a missing value (NaN)? */
export const holdsMissing = (datatype: Datatype): boolean => FLOATS.has(datatype);

/** A float32 as the shortest of 7 significant digits when that reads back as the same float32 (as extractRows). */
export function shortFloat32(value: number): number {
  const float = Math.fround(value);
  const short = Number(float.toPrecision(7));
  return Math.fround(short) === float ? short : float;
}

/** Where a cell is, for messages. */
export interface CellPlace {
  readonly column: string;
  /** `line 12` */
  readonly where: string;
}

/** A cell's place, or how to find it (made only when a message needs it). */
type Place = CellPlace | (() => CellPlace);

const invalid = (at: Place, message: string): FerryError => {
  const place = typeof at === 'function' ? at() : at;
  return new FerryError('INVALID_DATASET', `${place.where}, column '${place.column}': ${message}`);
};

function parseBoolean(raw: Exclude<RawCell, null>, place: Place): boolean {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number' && (raw === 0 || raw === 1)) return raw === 1;
  const text = String(raw).trim().toLowerCase();
  if (text === 'true' || text === '1') return true;
  if (text === 'false' || text === '0') return false;
  throw invalid(place, `${JSON.stringify(raw)} is not a boolean (true, false, 1 or 0)`);
}

/** A number from a cell, or null when it is missing. */
function parseNumber(raw: Exclude<RawCell, null>, datatype: Datatype, place: Place): number | null {
  let value: number;
  if (typeof raw === 'number') value = raw;
  else if (typeof raw === 'boolean') value = raw ? 1 : 0;
  else {
    const text = raw.trim();
    if (text === '' || MISSING_WORDS.has(text.toLowerCase())) return null;
    value = Number(text);
    if (Number.isNaN(value)) throw invalid(place, `${JSON.stringify(raw)} is not a number`);
  }
  if (Number.isNaN(value)) return null;
  const range = INTEGER_RANGES[datatype];
  if (range !== undefined) {
    if (!Number.isInteger(value)) {
      throw invalid(place, `${value} is not an integer, and the model's input is ${datatype}`);
    }
    if (BigInt(value) < range[0] || BigInt(value) > range[1]) {
      throw invalid(place, `${value} is out of the range of ${datatype}`);
    }
  }
  return value;
}

/** A number as the model's datatype holds it, as the prediction log would read it back. */
function asDatatype(value: number, datatype: Datatype): number | null {
  const held =
    datatype === 'FP32' ? shortFloat32(value) : datatype === 'FP16' ? fromHalfBits(toHalfBits(value)) : value;
  return Number.isFinite(held) ? held : null;
}

/**
 * Type one cell of a reference dataset for a feature, exactly as `extractRows` reads the same
 * value from a request tensor of `datatype`, so reference and live profiles compare like with
 * like: numeric features are numbers (FP32 rounded to float32, shortest form), missing as null
 * (empty, NaN, NA, null); categorical text (BYTES) is kept as text; categorical booleans (BOOL)
 * are booleans; categorical numbers are their decimal text (`"3"`). INVALID_DATASET when a cell
 * cannot be a value of the feature.
 */
export function cellValue(
  kind: FeatureKind,
  datatype: Datatype,
  raw: RawCell,
  place: CellPlace | (() => CellPlace),
): FeatureValue {
  if (raw === null) return null;
  if (datatype === 'BYTES') return typeof raw === 'string' ? raw : String(raw);
  if (datatype === 'BOOL') {
    if (typeof raw === 'string' && raw.trim() === '') return null;
    const value = parseBoolean(raw, place);
    return kind === 'categorical' ? value : value ? 1 : 0;
  }
  const parsed = parseNumber(raw, datatype, place);
  if (parsed === null) return null;
  const value = asDatatype(parsed, datatype);
  if (value === null) return null;
  return kind === 'categorical' ? String(value) : value;
}
