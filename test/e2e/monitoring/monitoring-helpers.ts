import { expect } from 'vitest';
import { getJson } from '../../support/server.js';

/**
 * Parse CSV (RFC 4180): fields separated by commas, records by CRLF or LF, fields with commas,
 * quotes or line breaks quoted and their quotes doubled. Returns the header and the rows as
 * objects keyed by it.
 */
export function parseCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const records: string[][] = [];
  let record: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"' && field === '') quoted = true;
    else if (char === ',') {
      record.push(field);
      field = '';
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && text[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      record = [];
      field = '';
    } else field += char;
  }
  if (field !== '' || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  const [header = [], ...body] = records;
  for (const row of body) expect(row.length, `CSV row ${JSON.stringify(row)}`).toBe(header.length);
  return {
    header,
    rows: body.map((row) => Object.fromEntries(header.map((name, index) => [name, row[index] ?? '']))),
  };
}

/** Poll `GET /api/v1/predictions` until `count` predictions match the query (flushes are periodic). */
export async function waitForPredictions(baseUrl: string, query: string, count: number, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await getJson(`${baseUrl}/api/v1/predictions?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    if (response.body.predictions.length >= count) return response.body;
    if (Date.now() > deadline) {
      throw new Error(`only ${response.body.predictions.length} of ${count} predictions logged for ${query}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** An inference request to the scale model: rows of three numbers. */
export const scaleRequest = (rows: number[][]) => ({
  inputs: [{ name: 'x', shape: [rows.length, 3], datatype: 'FP32', data: rows.flat() }],
});
