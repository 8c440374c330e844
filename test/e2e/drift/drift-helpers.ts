import { expect } from 'vitest';
import { buildDemoModel, loadPenguins, PENGUIN_FEATURES, type DemoModel } from '../../../src/demo/index.js';
import { apiCall, pushForm, type ApiResponse } from '../../support/management-api.js';
import { postJson } from '../../support/server.js';

/** The demo penguin model (trained once per test file). */
let demo: DemoModel | undefined;
export const demoModel = (): DemoModel => (demo ??= buildDemoModel());

/** The complete penguin rows: four measurements and the species. */
export const penguinRows = () => loadPenguins().rows;

/** A CSV field, quoted when it holds a comma, quote or line break. */
const field = (value: string | number): string => {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** CSV of rows of the four measurements (named like the demo's features), plus a Species column Ferry ignores. */
export function penguinCsv(rows: readonly { features: readonly number[]; species: string }[]): string {
  const header = [...PENGUIN_FEATURES, 'Species'].map(field).join(',');
  return (
    [header, ...rows.map((row) => [...row.features, row.species].map(field).join(','))].join('\n') + '\n'
  );
}

/** Push the demo model under `name` with its signature (feature names, labels). */
export async function pushDemo(baseUrl: string, name: string): Promise<void> {
  const model = demoModel();
  const pushed = await apiCall('POST', `${baseUrl}/api/v1/models/${name}/versions`, {
    body: pushForm({ signature: JSON.stringify(model.signature) }, model.bytes),
  });
  expect(pushed.status, JSON.stringify(pushed.body)).toBe(201);
}

/** Attach a reference dataset to a version. */
export function putReference(
  baseUrl: string,
  model: string,
  version: string,
  body: string,
  type = 'text/csv',
  query = '',
): Promise<ApiResponse> {
  return apiCall('PUT', `${baseUrl}/api/v1/models/${model}/versions/${version}/reference${query}`, {
    body,
    headers: { 'content-type': type },
  });
}

/** Send rows of the four measurements to the demo model, 50 rows per request. */
export async function inferPenguins(
  baseUrl: string,
  model: string,
  rows: readonly (readonly number[])[],
): Promise<void> {
  for (let start = 0; start < rows.length; start += 50) {
    const chunk = rows.slice(start, start + 50);
    const answer = await postJson(`${baseUrl}/v2/models/${model}/infer`, {
      inputs: [{ name: 'features', shape: [chunk.length, 4], datatype: 'FP32', data: chunk.flat() }],
    });
    expect(answer.status, JSON.stringify(answer.body)).toBe(200);
  }
}

/** Rows with `shifts[j]` population standard deviations added to feature j. */
export function shifted(rows: readonly (readonly number[])[], shifts: readonly number[]): number[][] {
  const stds = PENGUIN_FEATURES.map((_, j) => {
    const values = rows.map((row) => row[j]!);
    const mean = values.reduce((sum, x) => sum + x, 0) / values.length;
    return Math.sqrt(values.reduce((sum, x) => sum + (x - mean) ** 2, 0) / values.length);
  });
  return rows.map((row) => row.map((value, j) => value + (shifts[j] ?? 0) * stds[j]!));
}

/** Poll the drift report until it counts `rows` predictions (the log and the profiles flush periodically). */
export async function waitForDrift(
  baseUrl: string,
  model: string,
  rows: number,
  query = 'windows=2',
  timeoutMs = 10_000,
): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await apiCall('GET', `${baseUrl}/api/v1/models/${model}/drift?${query}`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    if (response.body.rows >= rows) return response.body;
    if (Date.now() > deadline)
      throw new Error(`the drift report of ${model} counts ${response.body.rows} of ${rows} predictions`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
