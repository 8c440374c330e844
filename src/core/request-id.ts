import { randomUUID } from 'node:crypto';

/** A request id a caller may choose: 1–128 letters, digits, `_`, `.`, `:` or `-`. */
const CALLER_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * A new request id: a time-ordered UUID (version 7). Ids made later sort later, so the prediction
 * log's request-id index grows at its end; random (v4) ids land all over the index, and on SQLite
 * each flush then rewrites hundreds of scattered pages (measured: 16.7 µs a row with v4 ids, 5.6 µs
 * with v7, 3.4 µs with no request-id index at all).
 */
export function newRequestId(): string {
  // A v4 UUID from Node's pooled generator (0.04 µs; the uuid package's v7() took 1.7 µs) with
  // its first 48 bits replaced by the Unix time in ms and its version nibble by 7. The variant
  // bits and the 74 random bits stay as v4 made them, which is the layout RFC 9562 gives v7.
  const random = randomUUID();
  const time = Date.now().toString(16).padStart(12, '0');
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

/** The caller's `x-request-id` when it is sane (so logs join across services), else a new id. */
export function requestIdOf(given: string | readonly string[] | undefined): string {
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : newRequestId();
}
