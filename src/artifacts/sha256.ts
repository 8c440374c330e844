import { FerryError } from '../core/index.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Is `value` a sha256 digest in Ferry's spelling: 64 lowercase hex characters? */
export function isSha256(value: unknown): value is string {
  return typeof value === 'string' && SHA256_HEX.test(value);
}

/**
 * Check a digest before it is used to build a path, so no path is ever built from arbitrary text.
 * Throws INVALID_ARGUMENT otherwise.
 */
export function assertSha256(value: unknown): string {
  if (isSha256(value)) return value;
  const shown = typeof value === 'string' ? JSON.stringify(value.slice(0, 80)) : typeof value;
  throw new FerryError(
    'INVALID_ARGUMENT',
    `${shown} is not a sha256 digest; write 64 lowercase hexadecimal characters`,
  );
}
