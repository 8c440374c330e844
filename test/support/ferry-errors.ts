import { expect } from 'vitest';
import { isFerryError, type ErrorCode, type FerryError } from '../../src/core/errors.js';

/**
 * Run `work` (a function that throws, or a promise that rejects) and assert it fails with a
 * FerryError of `code` whose message contains `message` (or equals it, with `exact`). Returns the
 * error for further checks.
 */
export async function expectFerryError(
  work: Promise<unknown> | (() => unknown),
  code: ErrorCode,
  message?: string,
  options: { exact?: boolean } = {},
): Promise<FerryError> {
  let thrown: unknown;
  try {
    await (typeof work === 'function' ? work() : work);
  } catch (error) {
    thrown = error;
  }
  if (!isFerryError(thrown)) {
    throw new Error(
      `expected a FerryError ${code}, got ${thrown === undefined ? 'no error' : thrown instanceof Error ? thrown.message : typeof thrown}`,
      {
        cause: thrown,
      },
    );
  }
  expect(thrown.code, `error code of: ${thrown.message}`).toBe(code);
  if (message !== undefined) {
    if (options.exact === true) expect(thrown.message).toBe(message);
    else expect(thrown.message).toContain(message);
  }
  return thrown;
}
