import { FerryError } from '../../core/index.js';

/** The formats a reference dataset may have. */
export const DATASET_FORMATS = ['csv', 'ndjson'] as const;

/** A reference dataset format: CSV with a header row, or NDJSON (one JSON object per line). */
export type DatasetFormat = (typeof DATASET_FORMATS)[number];

/** One cell as read: text (CSV), a JSON scalar (NDJSON), or null when missing. */
export type RawCell = string | number | boolean | null;

/**
 * A dataset read into columns. Cells are as the file had them (CSV text, NDJSON scalars); typing
 * them per feature is the reference builder's job.
 */
export interface DatasetTable {
  /** Column names in the order first seen (the CSV header, or NDJSON keys). */
  readonly columns: readonly string[];
  readonly rowCount: number;
  /** The cells of one column, one per row (null where missing); undefined for an unknown column. */
  column(name: string): readonly RawCell[] | undefined;
  /** Where row `index` (0-based) is in the file, for messages: `line 12`. */
  where(index: number): string;
}

const invalid = (message: string): FerryError => new FerryError('INVALID_DATASET', message);

/** The format a Content-Type names: text/csv → csv, application/x-ndjson (or jsonl) → ndjson. */
export function datasetFormatOf(contentType: string | undefined): DatasetFormat | undefined {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (type === 'text/csv' || type === 'application/csv') return 'csv';
  if (
    ['application/x-ndjson', 'application/ndjson', 'application/jsonl', 'application/x-jsonlines'].includes(
      type,
    )
  )
    return 'ndjson';
  return undefined;
}

/** The format a file name suggests: `.csv` → csv, `.ndjson`/`.jsonl` → ndjson. */
export function datasetFormatOfPath(path: string): DatasetFormat | undefined {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.ndjson') || lower.endsWith('.jsonl')) return 'ndjson';
  return undefined;
}

/** Read a dataset of either format; INVALID_DATASET when it is malformed or has no rows. */
export function readDataset(text: string, format: DatasetFormat): DatasetTable {
  const table = format === 'csv' ? parseCsvDataset(text) : parseNdjsonDataset(text);
  if (table.rowCount === 0) {
    throw invalid(
      format === 'csv'
        ? 'the reference dataset has a header but no rows; send at least one row of data'
        : 'the reference dataset has no rows; send one JSON object per line',
    );
  }
  return table;
}

/**
 * Parse CSV (RFC 4180): fields separated by commas, records by LF or CRLF; a field may be quoted
 * with `"`, inside which commas and line breaks are text and `""` is one quote. An unquoted empty
 * field is missing (null); a quoted empty field `""` is the empty text. A leading byte-order mark
 * is skipped and a final line break is optional. Returns the records with the line each starts on.
 */
export function parseCsv(text: string): { records: RawCell[][]; lines: number[] } {
  const records: RawCell[][] = [];
  const lines: number[] = [];
  const end = text.length;
  let record: RawCell[] = [];
  let line = 1;
  let recordLine = 1;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  // One field per turn, then the separator after it: a comma, a line break, or the end.
  while (i <= end) {
    let value: RawCell;
    if (text.charCodeAt(i) === QUOTE) {
      // Quoted: copy up to each quote; a doubled quote is one quote, a single one closes the field.
      const startLine = line;
      let field = '';
      let from = i + 1;
      for (;;) {
        const quote = text.indexOf('"', from);
        if (quote < 0) throw invalid(`line ${startLine}: a quoted field is never closed`);
        const piece = text.slice(from, quote);
        line += countNewlines(piece);
        field += piece;
        if (text.charCodeAt(quote + 1) === QUOTE) {
          field += '"';
          from = quote + 2;
        } else {
          i = quote + 1;
          break;
        }
      }
      const next = text.charCodeAt(i);
      if (i < end && next !== COMMA && next !== LF && next !== CR) {
        throw invalid(
          `line ${line}: text after a closing quote; a quoted field must end at a comma or line end`,
        );
      }
      value = field;
    } else {
      // Unquoted: up to the next comma or line break; a quote inside is an error.
      let stop = i;
      for (; stop < end; stop++) {
        const code = text.charCodeAt(stop);
        if (code === COMMA || code === LF || code === CR) break;
        if (code === QUOTE) {
          throw invalid(
            `line ${line}: a quote inside an unquoted field; quote the whole field and double its quotes`,
          );
        }
      }
      value = stop === i ? null : text.slice(i, stop);
      i = stop;
    }
    record.push(value);
    const separator = i < end ? text.charCodeAt(i) : -1;
    if (separator === COMMA) {
      i++;
      continue;
    }
    // A line break or the end closes the record; a blank line (one missing field) is no record.
    if (!(record.length === 1 && record[0] === null)) {
      records.push(record);
      lines.push(recordLine);
    }
    record = [];
    if (separator === -1) break;
    i += separator === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
    line++;
    recordLine = line;
    if (i === end) break; // a final line break ends the text
  }
  return { records, lines };
}

const QUOTE = 34;
const COMMA = 44;
const LF = 10;
const CR = 13;

function countNewlines(text: string): number {
  let count = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

function parseCsvDataset(text: string): DatasetTable {
  const { records, lines } = parseCsv(text);
  const [header, ...rows] = records;
  if (header === undefined) throw invalid('the reference dataset is empty; send a header row and data rows');
  const columns = header.map((cell, index) => {
    if (cell === null || cell === '') throw invalid(`column ${index + 1} of the header has no name`);
    return String(cell);
  });
  const seen = new Set<string>();
  for (const name of columns) {
    if (seen.has(name)) throw invalid(`column '${name}' appears twice in the header`);
    seen.add(name);
  }
  rows.forEach((row, index) => {
    if (row.length !== columns.length) {
      throw invalid(
        `line ${lines[index + 1]} has ${row.length} fields but the header has ${columns.length}; quote fields that hold commas`,
      );
    }
  });
  const byName = new Map(columns.map((name, index) => [name, index]));
  const cache = new Map<string, RawCell[]>();
  return {
    columns,
    rowCount: rows.length,
    column(name) {
      const index = byName.get(name);
      if (index === undefined) return undefined;
      let cells = cache.get(name);
      if (cells === undefined) {
        cells = rows.map((row) => row[index] ?? null);
        cache.set(name, cells);
      }
      return cells;
    },
    where: (index) => `line ${lines[index + 1] ?? '?'}`,
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Parse NDJSON: one JSON object per line (blank lines skipped), either the features themselves
 * (`{"age": 41, "city": "Oslo"}`) or wrapped as `{"features": {...}}` (the prediction log's export
 * shape; its other keys are ignored). Values are numbers, text, booleans or null (missing); an
 * absent key is missing too.
 */
export function parseNdjson(text: string): { objects: Record<string, unknown>[]; lines: number[] } {
  const objects: Record<string, unknown>[] = [];
  const lines: number[] = [];
  const source = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  source.split('\n').forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw invalid(`line ${index + 1} is not JSON (${(error as Error).message}); write one object per line`);
    }
    if (!isPlainObject(value)) throw invalid(`line ${index + 1} is not a JSON object`);
    const features = isPlainObject(value.features) ? value.features : value;
    objects.push(features);
    lines.push(index + 1);
  });
  return { objects, lines };
}

function parseNdjsonDataset(text: string): DatasetTable {
  const { objects, lines } = parseNdjson(text);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const object of objects) {
    for (const key of Object.keys(object)) {
      if (!seen.has(key)) {
        seen.add(key);
        columns.push(key);
      }
    }
  }
  const cache = new Map<string, RawCell[]>();
  return {
    columns,
    rowCount: objects.length,
    column(name) {
      if (!seen.has(name)) return undefined;
      let cells = cache.get(name);
      if (cells === undefined) {
        cells = objects.map((object, index) => {
          const value = object[name];
          if (value === undefined || value === null) return null;
          if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean')
            return value;
          throw invalid(
            `line ${lines[index]}: '${name}' is ${Array.isArray(value) ? 'an array' : 'an object'}; a feature value is a number, text, boolean or null`,
          );
        });
        cache.set(name, cells);
      }
      return cells;
    },
    where: (index) => `line ${lines[index] ?? '?'}`,
  };
}
