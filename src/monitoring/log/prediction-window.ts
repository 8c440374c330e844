import { FerryError } from '../../core/index.js';
import type { PredictionWindow } from './prediction-store.js';

/** Largest page of a predictions listing. */
export const MAX_PREDICTIONS_PAGE = 1000;

/** Page size of a listing that names none. */
export const DEFAULT_PREDICTIONS_PAGE = 100;

/** A window as callers give it: times as ISO-8601 text. */
export interface WindowText {
  readonly model?: string | undefined;
  readonly version?: number | string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

/** An ISO-8601 time, normalised to the stored form (UTC, milliseconds); INVALID_ARGUMENT otherwise. */
export function parseTime(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  if (Number.isNaN(time)) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `${name} '${text}' is not an ISO-8601 time; write e.g. 2024-05-01T12:00:00Z`,
    );
  }
  return new Date(time).toISOString();
}

/** Check and normalise a window: `from` inclusive, `to` exclusive, `from` not after `to`. */
export function parsePredictionWindow(text: WindowText): PredictionWindow {
  const from = parseTime(text.from, 'from');
  const to = parseTime(text.to, 'to');
  if (from !== undefined && to !== undefined && from > to) {
    throw new FerryError('INVALID_ARGUMENT', `from (${from}) is after to (${to}); the window is [from, to)`);
  }
  const version = text.version === undefined ? undefined : Number(text.version);
  if (version !== undefined && (!Number.isSafeInteger(version) || version < 1)) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `version must be a version number, not '${String(text.version)}'`,
    );
  }
  return { model: text.model, version, from, to };
}

/** A page size: the default when absent, INVALID_ARGUMENT outside 1–{@link MAX_PREDICTIONS_PAGE}. */
export function parsePageLimit(limit: number | string | undefined): number {
  if (limit === undefined) return DEFAULT_PREDICTIONS_PAGE;
  const value = Number(limit);
  if (!Number.isInteger(value) || value < 1 || value > MAX_PREDICTIONS_PAGE) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `limit must be a whole number from 1 to ${MAX_PREDICTIONS_PAGE}`,
    );
  }
  return value;
}
