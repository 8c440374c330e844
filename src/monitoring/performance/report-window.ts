import { FerryError } from '../../core/index.js';
import { parseTime } from '../log/prediction-window.js';

/** A report window: `start` included, `end` excluded. */
export interface ReportWindow {
  readonly start: Date;
  readonly end: Date;
}

/** The window holding `time`: `windowMs` long and aligned to the Unix epoch. */
export function windowContaining(time: Date, windowMs: number): ReportWindow {
  const start = Math.floor(time.getTime() / windowMs) * windowMs;
  return { start: new Date(start), end: new Date(start + windowMs) };
}

/**
 * The window a report covers, as callers write it:
 *
 * - `current` (the default): the monitoring window holding `now` — `monitoring.windowMs` long and
 *   aligned to the Unix epoch, as live profiles, drift and alerts cut them;
 * - `last`: the complete window before it;
 * - `<from>/<to>`: any interval of ISO-8601 times (`from` included, `to` excluded), e.g.
 *   `2024-05-01T00:00:00Z/2024-05-02T00:00:00Z`.
 *
 * Anything else is a 400 INVALID_ARGUMENT.
 */
export function parseReportWindow(text: string | undefined, windowMs: number, now: Date): ReportWindow {
  const value = text === undefined || text === '' ? 'current' : text;
  if (value === 'current') return windowContaining(now, windowMs);
  if (value === 'last') return windowContaining(new Date(now.getTime() - windowMs), windowMs);
  const parts = value.split('/');
  if (parts.length !== 2 || parts[0] === '' || parts[1] === '') {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `window '${value.slice(0, 100)}' is not current, last or <from>/<to> (ISO-8601 times, e.g. 2024-05-01T00:00:00Z/2024-05-02T00:00:00Z)`,
    );
  }
  const start = new Date(parseTime(parts[0], 'the window start') ?? '');
  const end = new Date(parseTime(parts[1], 'the window end') ?? '');
  if (start.getTime() >= end.getTime()) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `the window ${start.toISOString()}/${end.toISOString()} is empty; its start must be before its end`,
    );
  }
  return { start, end };
}
