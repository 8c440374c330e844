import type { MetricWindow } from './metric-source.js';

/**
 * The end of the last complete window at `now`: windows are `windowMs` long and aligned to the
 * Unix epoch, and a window counts as complete `settleMs` after its end (so predictions still being
 * written when it ended are in it).
 */
export function lastCompleteWindowEnd(now: Date, windowMs: number, settleMs: number): Date {
  return new Date(Math.floor((now.getTime() - settleMs) / windowMs) * windowMs);
}

/**
 * The complete windows after `previousEnd` up to `latestEnd`, oldest first, at most `max` of them
 * (the newest): a process that was down for a while catches up on only as many windows as can
 * still change the verdict. With no `previousEnd`, the newest `max` windows.
 */
export function windowsToEvaluate(
  previousEnd: Date | undefined,
  latestEnd: Date,
  windowMs: number,
  max: number,
): MetricWindow[] {
  const latest = latestEnd.getTime();
  const first =
    previousEnd === undefined
      ? latest - (max - 1) * windowMs
      : Math.max(
          (Math.floor(previousEnd.getTime() / windowMs) + 1) * windowMs,
          latest - (max - 1) * windowMs,
        );
  const windows: MetricWindow[] = [];
  for (let end = first; end <= latest; end += windowMs) {
    windows.push({ start: new Date(end - windowMs), end: new Date(end) });
  }
  return windows;
}
