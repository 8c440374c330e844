import { v7 as uuidv7 } from 'uuid';

/** A request id a caller may choose: 1–128 letters, digits, `_`, `.`, `:` or `-`. */
const CALLER_REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * A new request id: a time-ordered UUID (version 7). Ids made later sort later, so the prediction
 * log's request-id index grows at its end; random (v4) ids land all over the index, and on SQLite
 * each flush then rewrites hundreds of scattered pages (measured: 16.7 µs a row with v4 ids, 5.6 µs
 * with v7, 3.4 µs with no request-id index at all).
 */
export function newRequestId(): string {
  return uuidv7();
}

/** The caller's `x-request-id` when it is sane (so logs join across services), else a new id. */
export function requestIdOf(given: string | readonly string[] | undefined): string {
  return typeof given === 'string' && CALLER_REQUEST_ID.test(given) ? given : newRequestId();
}
