import { describe, expect, it } from 'vitest';
import { CompositeMetricSource } from './composite-metric-source.js';
import type { MetricSource } from './metric-source.js';

const window = { start: new Date(0), end: new Date(60_000) };

const constant = (value: number, calls: unknown[][] = []): MetricSource => ({
  read(...args) {
    calls.push(args);
    return Promise.resolve({ value, rows: 10 });
  },
});

describe('CompositeMetricSource', () => {
  it('routes each metric to the provider registered for it, with the selector', async () => {
    const driftCalls: unknown[][] = [];
    const source = new CompositeMetricSource([
      { metrics: ['drift.share', 'drift.feature'], source: constant(0.4, driftCalls) },
      { metrics: ['errors.rate'], source: constant(0.01) },
    ]);
    expect(await source.read('fraud', 'drift.feature', window, { feature: 'age' })).toEqual({
      value: 0.4,
      rows: 10,
    });
    expect(driftCalls).toEqual([['fraud', 'drift.feature', window, { feature: 'age' }]]);
    expect((await source.read('fraud', 'errors.rate', window))?.value).toBe(0.01);
    expect(source.provides('drift.share')).toBe(true);
  });

  it('reads a metric no provider serves as no verdict', async () => {
    const source = new CompositeMetricSource();
    expect(source.provides('latency.p99_seconds')).toBe(false);
    expect(await source.read('fraud', 'latency.p99_seconds', window)).toBeUndefined();
  });

  it('lets a later registration replace an earlier one', async () => {
    const source = new CompositeMetricSource([{ metrics: ['errors.rate'], source: constant(1) }]);
    source.register(['errors.rate'], constant(2));
    expect((await source.read('m', 'errors.rate', window))?.value).toBe(2);
  });
});
