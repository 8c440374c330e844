import { FerryError } from '../../core/index.js';
import { windowStartOf, type WindowRange } from '../profiles/live-windows.js';

/** Most windows one drift report may span. */
export const MAX_DRIFT_WINDOWS = 1000;

/**
 * The windows a drift query means, aligned to `windowMs` (windows start at multiples of it since
 * the Unix epoch):
 *
 * - `current` (the default): the window in progress at `now`;
 * - `last`: the last complete window;
 * - `<start>/<end>` (ISO-8601 times): every window that starts in [start, end), start rounded down
 *   and end rounded up to window boundaries.
 *
 * `windows` (1 by default, current or last only) reaches back that many windows, ending with the
 * one named. INVALID_ARGUMENT for anything else.
 */
export function parseDriftWindow(
  text: string | undefined,
  windows: number | string | undefined,
  windowMs: number,
  now: number,
): WindowRange {
  const count = windows === undefined || windows === '' ? undefined : Number(windows);
  if (count !== undefined && (!Number.isInteger(count) || count < 1 || count > MAX_DRIFT_WINDOWS)) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `windows must be a whole number from 1 to ${MAX_DRIFT_WINDOWS}, not '${String(windows)}'`,
    );
  }
  const value = text === undefined || text === '' ? 'current' : text;
  if (value === 'current' || value === 'last') {
    const currentStart = windowStartOf(now, windowMs);
    const end = value === 'current' ? currentStart + windowMs : currentStart;
    return { start: new Date(end - (count ?? 1) * windowMs), end: new Date(end) };
  }
  const parts = value.split('/');
  const [startText, endText] = parts;
  const start = startText === undefined ? NaN : Date.parse(startText);
  const end = endText === undefined ? NaN : Date.parse(endText);
  if (parts.length !== 2 || Number.isNaN(start) || Number.isNaN(end)) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `window '${value.slice(0, 100)}' is not current, last, or <start>/<end> in ISO-8601 (e.g. 2026-03-02T10:00:00Z/2026-03-02T12:00:00Z)`,
    );
  }
  if (count !== undefined) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      'windows goes with window=current or last; a <start>/<end> window already says how many',
    );
  }
  const alignedStart = windowStartOf(start, windowMs);
  const alignedEnd = Math.ceil(end / windowMs) * windowMs;
  if (!(alignedEnd > alignedStart)) {
    throw new FerryError('INVALID_ARGUMENT', `window '${value}' ends before it starts; write <start>/<end>`);
  }
  if ((alignedEnd - alignedStart) / windowMs > MAX_DRIFT_WINDOWS) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `window '${value}' spans more than ${MAX_DRIFT_WINDOWS} windows of monitoring.windowMs`,
    );
  }
  return { start: new Date(alignedStart), end: new Date(alignedEnd) };
}
