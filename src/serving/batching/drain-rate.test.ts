import { describe, expect, it } from 'vitest';
import { DrainRate } from './drain-rate.js';

describe('DrainRate', () => {
  it('is unknown before any run', () => {
    expect(new DrainRate().rowsPerSecond(2)).toBe(0);
  });

  it('uses run throughput times the slots until it has seen a backlog drain', () => {
    const rate = new DrainRate();
    rate.completed(10, 0.01, 100, false); // 1000 rows/s per run
    expect(rate.rowsPerSecond(2)).toBeCloseTo(2000);
  });

  it('measures the drain rate from completions under backlog, which is slower than the runs alone', () => {
    const rate = new DrainRate();
    // Runs of 10 rows take 10 ms, but with parsing sharing the core they complete every 20 ms.
    let now = 0;
    for (let i = 0; i < 30; i++) {
      now += 20;
      rate.completed(10, 0.01, now, true);
    }
    expect(rate.rowsPerSecond(1)).toBeCloseTo(500, 0);
  });

  it('ignores the idle gap before a completion that follows no backlog', () => {
    const rate = new DrainRate();
    rate.completed(10, 0.01, 0, true);
    rate.completed(10, 0.01, 20, false);
    rate.completed(10, 0.01, 5000, true); // idle for seconds: not a drain sample
    rate.completed(10, 0.01, 5020, true);
    expect(rate.rowsPerSecond(1)).toBeCloseTo(500, 0);
  });
});
