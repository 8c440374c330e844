import { describe, expect, it } from 'vitest';
import { lastCompleteWindowEnd, windowsToEvaluate } from './alert-windows.js';

const MIN = 60_000;
const at = (minutes: number) => new Date(Date.UTC(2026, 0, 1) + minutes * MIN);

describe('alert windows', () => {
  it('ends the last complete window at a multiple of the window length, once settled', () => {
    expect(lastCompleteWindowEnd(at(65), 10 * MIN, 0)).toEqual(at(60));
    expect(lastCompleteWindowEnd(at(60), 10 * MIN, 0)).toEqual(at(60));
    expect(lastCompleteWindowEnd(at(60), 10 * MIN, 1000)).toEqual(at(50));
    expect(lastCompleteWindowEnd(new Date(at(60).getTime() + 1000), 10 * MIN, 1000)).toEqual(at(60));
  });

  it('evaluates each window after the last one once, oldest first', () => {
    expect(windowsToEvaluate(at(40), at(60), 10 * MIN, 5)).toEqual([
      { start: at(40), end: at(50) },
      { start: at(50), end: at(60) },
    ]);
    expect(windowsToEvaluate(at(60), at(60), 10 * MIN, 5)).toEqual([]);
    expect(windowsToEvaluate(at(70), at(60), 10 * MIN, 5)).toEqual([]);
  });

  it('catches up on at most max windows, the newest', () => {
    expect(windowsToEvaluate(at(0), at(60), 10 * MIN, 2)).toEqual([
      { start: at(40), end: at(50) },
      { start: at(50), end: at(60) },
    ]);
    expect(windowsToEvaluate(undefined, at(60), 10 * MIN, 1)).toEqual([{ start: at(50), end: at(60) }]);
    expect(windowsToEvaluate(undefined, at(60), 10 * MIN, 3)).toHaveLength(3);
  });

  it('realigns after the window length changed: the first window may overlap the last one evaluated', () => {
    expect(windowsToEvaluate(at(45), at(60), 10 * MIN, 5)).toEqual([
      { start: at(40), end: at(50) },
      { start: at(50), end: at(60) },
    ]);
  });
});
