import { describe, expect, it } from 'vitest';
import type { BatchExecuted, RequestFinished } from '../serving/index.js';
import { InferenceStatistics } from './inference-statistics.js';

const finished = (overrides: Partial<RequestFinished> = {}): RequestFinished => ({
  model: 'fraud',
  version: 3,
  outcome: 'success',
  queueSeconds: 0.002,
  computeSeconds: 0.004,
  totalSeconds: 0.007,
  cacheHit: false,
  rows: 1,
  ...overrides,
});

const batch = (overrides: Partial<BatchExecuted> = {}): BatchExecuted => ({
  model: 'fraud',
  version: 3,
  rows: 4,
  requests: 2,
  inputSeconds: 0.0001,
  inferSeconds: 0.003,
  outputSeconds: 0.0002,
  ...overrides,
});

const zero = { count: 0, ns: 0 };

describe('InferenceStatistics', () => {
  it('answers zeros in the Triton shape for a version with no activity', () => {
    const statistics = new InferenceStatistics();
    expect(statistics.modelStat('fraud', 3)).toEqual({
      name: 'fraud',
      version: '3',
      last_inference: 0,
      inference_count: 0,
      execution_count: 0,
      inference_stats: {
        success: zero,
        fail: zero,
        queue: zero,
        compute_input: zero,
        compute_infer: zero,
        compute_output: zero,
        cache_hit: zero,
        cache_miss: zero,
      },
      batch_stats: [],
    });
    expect(statistics.versionsWithStats()).toEqual([]);
  });

  it('counts requests, rows and runs, with durations in whole nanoseconds', () => {
    const statistics = new InferenceStatistics({ now: () => 1_700_000_000_123 });
    statistics.requestFinished(finished({ rows: 3, queueSeconds: 0.001, totalSeconds: 0.005 }));
    statistics.requestFinished(finished({ rows: 1, queueSeconds: 0.002, totalSeconds: 0.006 }));
    statistics.batchExecuted(batch());
    statistics.requestFinished(
      finished({ outcome: 'failure', code: 'DEADLINE_EXCEEDED', computeSeconds: 0, totalSeconds: 0.5 }),
    );
    const stat = statistics.modelStat('fraud', 3);
    expect(stat.last_inference).toBe(1_700_000_000_123);
    expect(stat.inference_count).toBe(4);
    expect(stat.execution_count).toBe(1);
    expect(stat.inference_stats.success).toEqual({ count: 2, ns: 11_000_000 });
    expect(stat.inference_stats.fail).toEqual({ count: 1, ns: 500_000_000 });
    expect(stat.inference_stats.queue).toEqual({ count: 2, ns: 3_000_000 });
    // Each request of a run is charged the run's durations.
    expect(stat.inference_stats.compute_input).toEqual({ count: 2, ns: 200_000 });
    expect(stat.inference_stats.compute_infer).toEqual({ count: 2, ns: 6_000_000 });
    expect(stat.inference_stats.compute_output).toEqual({ count: 2, ns: 400_000 });
    for (const value of Object.values(stat.inference_stats)) expect(Number.isInteger(value.ns)).toBe(true);
  });

  it('keeps batch statistics per batch size, smallest first, counting runs', () => {
    const statistics = new InferenceStatistics();
    statistics.batchExecuted(batch({ rows: 8, inferSeconds: 0.01 }));
    statistics.batchExecuted(batch({ rows: 1, requests: 1, inferSeconds: 0.002 }));
    statistics.batchExecuted(batch({ rows: 8, inferSeconds: 0.012 }));
    expect(statistics.modelStat('fraud', 3).batch_stats).toEqual([
      {
        batch_size: 1,
        compute_input: { count: 1, ns: 100_000 },
        compute_infer: { count: 1, ns: 2_000_000 },
        compute_output: { count: 1, ns: 200_000 },
      },
      {
        batch_size: 8,
        compute_input: { count: 2, ns: 200_000 },
        compute_infer: { count: 2, ns: 22_000_000 },
        compute_output: { count: 2, ns: 400_000 },
      },
    ]);
    expect(statistics.modelStat('fraud', 3).execution_count).toBe(3);
  });

  it('counts cache hits as successes with no queue time and no inference, and misses only when enabled', () => {
    const statistics = new InferenceStatistics({ cacheEnabled: (model) => model === 'fraud' });
    statistics.requestFinished(
      finished({ cacheHit: true, queueSeconds: 0, computeSeconds: 0, totalSeconds: 0.0001, rows: 5 }),
    );
    statistics.requestFinished(finished({ rows: 2 }));
    statistics.requestFinished(finished({ model: 'other' }));
    const stat = statistics.modelStat('fraud', 3);
    expect(stat.inference_stats.success.count).toBe(2);
    expect(stat.inference_stats.queue).toEqual({ count: 2, ns: 2_000_000 });
    expect(stat.inference_stats.cache_hit).toEqual({ count: 1, ns: 100_000 });
    expect(stat.inference_stats.cache_miss).toEqual({ count: 1, ns: 0 });
    expect(stat.inference_count).toBe(2);
    expect(statistics.modelStat('other', 3).inference_stats.cache_miss).toEqual(zero);
  });

  it('keeps versions apart and lists those with statistics by model, then version', () => {
    const statistics = new InferenceStatistics();
    statistics.requestFinished(finished({ model: 'zeta', version: 1 }));
    statistics.requestFinished(finished({ version: 10 }));
    statistics.batchExecuted(batch({ version: 2 }));
    expect(statistics.versionsWithStats()).toEqual([
      { model: 'fraud', version: 2 },
      { model: 'fraud', version: 10 },
      { model: 'zeta', version: 1 },
    ]);
    expect(statistics.versionsWithStats('zeta')).toEqual([{ model: 'zeta', version: 1 }]);
    expect(statistics.modelStat('fraud', 10).inference_stats.success.count).toBe(1);
    expect(statistics.modelStat('fraud', 2).inference_stats.success.count).toBe(0);
    expect(statistics.report([{ model: 'zeta', version: 1 }]).model_stats.map((s) => s.name)).toEqual([
      'zeta',
    ]);
  });

  it('answers snapshots that later events do not change', () => {
    const statistics = new InferenceStatistics();
    statistics.requestFinished(finished());
    const before = statistics.modelStat('fraud', 3);
    statistics.requestFinished(finished());
    expect(before.inference_stats.success.count).toBe(1);
  });
});
