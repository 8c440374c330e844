import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PrometheusMetrics } from './prometheus-metrics.js';

const doc = readFileSync(new URL('../../docs/reference/metrics.md', import.meta.url), 'utf8');

/** Rows of the doc's metric tables: name, type and the rest of the row. */
const documented = [...doc.matchAll(/^\| `(ferry_\w+)`\s*\| (\w+)\s*\|(.*)$/gm)].map((match) => ({
  name: match[1]!,
  type: match[2]!,
  rest: match[3]!,
}));

describe('docs/reference/metrics.md', () => {
  it('names every metric a fresh registry exposes, with its type', async () => {
    const text = await new PrometheusMetrics().metrics();
    const exposed = [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => ({
      name: match[1]!,
      type: match[2]!,
    }));
    expect(exposed.length).toBeGreaterThan(10);
    const table = new Map(documented.map((row) => [row.name, row.type]));
    for (const metric of exposed) expect(table.get(metric.name), metric.name).toBe(metric.type);
  });

  it('documents no metric the registry lacks, except platform-specific process metrics', async () => {
    const text = await new PrometheusMetrics().metrics();
    const exposed = new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((match) => match[1]));
    const missing = documented.filter((row) => !exposed.has(row.name) && !row.rest.includes('Linux only'));
    expect(missing.map((row) => row.name)).toEqual([]);
  });
});
