import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FerryError } from '../../core/index.js';
import { datasetFormatOf, datasetFormatOfPath, parseCsv, readDataset } from './reference-dataset.js';
import { cellValue } from './reference-values.js';

const codeOf = (action: () => unknown): string | undefined => {
  try {
    action();
  } catch (error) {
    return error instanceof FerryError ? `${error.code}: ${error.message}` : String(error);
  }
  return undefined;
};

describe('reading CSV', () => {
  it('splits quoted fields holding commas, quotes and line breaks', () => {
    const { records, lines } = parseCsv(
      'name,note\r\n"Oslo, NO","she said ""hi""\nthen left"\nBergen,plain\n',
    );
    expect(records).toEqual([
      ['name', 'note'],
      ['Oslo, NO', 'she said "hi"\nthen left'],
      ['Bergen', 'plain'],
    ]);
    expect(lines).toEqual([1, 2, 4]);
  });

  it('reads an unquoted empty field as missing and a quoted one as empty text, skipping blank lines and a BOM', () => {
    const { records } = parseCsv('\uFEFFa,b,c\n1,,""\n\n,2,x');
    expect(records).toEqual([
      ['a', 'b', 'c'],
      ['1', null, ''],
      [null, '2', 'x'],
    ]);
  });

  it('refuses stray quotes, unclosed quotes and rows of the wrong width, naming the line', () => {
    expect(codeOf(() => parseCsv('a,b\n1,x"y"\n'))).toMatch(
      /^INVALID_DATASET: line 2: a quote inside an unquoted field/,
    );
    expect(codeOf(() => parseCsv('a,b\n1,"x"y\n'))).toMatch(
      /^INVALID_DATASET: line 2: text after a closing quote/,
    );
    expect(codeOf(() => parseCsv('a,b\n1,"open\n2,3\n'))).toMatch(
      /^INVALID_DATASET: line 2: a quoted field is never closed/,
    );
    expect(codeOf(() => readDataset('a,b\n1,2\n3\n', 'csv'))).toMatch(
      /^INVALID_DATASET: line 3 has 1 fields but the header has 2/,
    );
    expect(codeOf(() => readDataset('a,a\n1,2\n', 'csv'))).toMatch(/column 'a' appears twice/);
    expect(codeOf(() => readDataset('a,b\n', 'csv'))).toMatch(/has a header but no rows/);
  });

  it('reads back whatever a writer quoting by RFC 4180 wrote', () => {
    const cell = fc.option(fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é') }), {
      nil: null,
    });
    const write = (value: string | null) =>
      value === null ? '' : value === '' || /[",\n\r]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.array(cell, { minLength: 4, maxLength: 4 }), { maxLength: 20 }),
        (width, rows) => {
          const records = [
            ['h1', 'h2', 'h3', 'h4'].slice(0, width),
            ...rows.map((row) => row.slice(0, width)),
          ];
          const text = records.map((record) => record.map(write).join(',')).join('\r\n');
          expect(parseCsv(text).records).toEqual(records);
        },
      ),
    );
  });

  it('gives columns by name with the line of each row', () => {
    const table = readDataset('age,city\n41,Oslo\n,"Bergen"\n', 'csv');
    expect(table.columns).toEqual(['age', 'city']);
    expect(table.rowCount).toBe(2);
    expect(table.column('age')).toEqual(['41', null]);
    expect(table.column('city')).toEqual(['Oslo', 'Bergen']);
    expect(table.column('nope')).toBeUndefined();
    expect(table.where(1)).toBe('line 3');
  });
});

describe('reading NDJSON', () => {
  it('takes flat objects or {features: {...}} lines; absent keys and null are missing', () => {
    const table = readDataset(
      '{"age": 41, "city": "Oslo"}\n\n{"features": {"age": null, "vip": true}, "outputs": {"y": 1}}\r\n{"city": "Bergen"}\n',
      'ndjson',
    );
    expect(table.columns).toEqual(['age', 'city', 'vip']);
    expect(table.column('age')).toEqual([41, null, null]);
    expect(table.column('city')).toEqual(['Oslo', null, 'Bergen']);
    expect(table.column('vip')).toEqual([null, true, null]);
    expect(table.where(1)).toBe('line 3');
  });

  it('refuses lines that are not JSON objects and nested values, naming the line', () => {
    expect(codeOf(() => readDataset('{"a": 1}\n[1, 2]\n', 'ndjson'))).toMatch(
      /^INVALID_DATASET: line 2 is not a JSON object/,
    );
    expect(codeOf(() => readDataset('{"a": 1}\n{"a": \n', 'ndjson'))).toMatch(
      /^INVALID_DATASET: line 2 is not JSON/,
    );
    expect(codeOf(() => readDataset('{"a": [1]}\n', 'ndjson').column('a'))).toMatch(
      /line 1: 'a' is an array/,
    );
    expect(codeOf(() => readDataset('\n\n', 'ndjson'))).toMatch(/has no rows/);
  });
});

describe('formats', () => {
  it('reads the format from a Content-Type or a file name', () => {
    expect(datasetFormatOf('text/csv; charset=utf-8')).toBe('csv');
    expect(datasetFormatOf('application/x-ndjson')).toBe('ndjson');
    expect(datasetFormatOf('application/json')).toBeUndefined();
    expect(datasetFormatOfPath('train.CSV')).toBe('csv');
    expect(datasetFormatOfPath('train.jsonl')).toBe('ndjson');
    expect(datasetFormatOfPath('train.parquet')).toBeUndefined();
  });
});

describe('typing cells as the prediction log reads tensors', () => {
  const place = { column: 'x', where: 'line 2' };

  it('reads numbers as the datatype holds them, and NaN, NA or empty as missing', () => {
    expect(cellValue('numeric', 'FP32', '46.1', place)).toBe(46.1);
    expect(cellValue('numeric', 'FP32', 0.1 + 0.2, place)).toBe(0.3);
    expect(cellValue('numeric', 'FP64', 0.1 + 0.2, place)).toBe(0.30000000000000004);
    expect(cellValue('numeric', 'FP32', ' NaN ', place)).toBeNull();
    expect(cellValue('numeric', 'FP32', 'NA', place)).toBeNull();
    expect(cellValue('numeric', 'FP32', null, place)).toBeNull();
    expect(cellValue('numeric', 'INT64', '12', place)).toBe(12);
    expect(cellValue('numeric', 'BOOL', 'true', place)).toBe(1);
  });

  it('reads categories as text: numbers by their decimal form, booleans as booleans', () => {
    expect(cellValue('categorical', 'INT32', '07', place)).toBe('7');
    expect(cellValue('categorical', 'FP32', '2.50', place)).toBe('2.5');
    expect(cellValue('categorical', 'BYTES', 'Oslo', place)).toBe('Oslo');
    expect(cellValue('categorical', 'BYTES', 3, place)).toBe('3');
    expect(cellValue('categorical', 'BYTES', '', place)).toBe('');
    expect(cellValue('categorical', 'BOOL', 'FALSE', place)).toBe(false);
  });

  it('refuses a value the column cannot hold, naming line and column', () => {
    expect(codeOf(() => cellValue('numeric', 'FP32', 'abc', place))).toBe(
      `INVALID_DATASET: line 2, column 'x': "abc" is not a number`,
    );
    expect(codeOf(() => cellValue('numeric', 'INT32', '2.5', place))).toMatch(
      /2.5 is not an integer, and the model's input is INT32/,
    );
    expect(codeOf(() => cellValue('numeric', 'UINT8', '300', place))).toMatch(
      /300 is out of the range of UINT8/,
    );
    expect(codeOf(() => cellValue('categorical', 'BOOL', 'maybe', place))).toMatch(/is not a boolean/);
  });
});
