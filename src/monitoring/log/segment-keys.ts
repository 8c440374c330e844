/**
 * How the prediction log finds the segment of a request id without an index entry per row.
 *
 * Ids Ferry makes are time-ordered UUIDs (v7, see core/request-id.ts) whose first 48 bits are the
 * time in ms, and callers often send v7 ids of their own: such an id's key is its 100 ms slot
 * (`t:<slot>`), so a segment adds one key per slot its ids touch (a flush spans a few), and a
 * lookup reads the request ids of the few segments of that slot. Any other id is its own key
 * (`i:<id>`): callers who choose such ids pay one index entry per row, as every row did before.
 * The `#<row>` of a multi-row request's later rows is not part of the key.
 */

/** Width of a time slot, ms. */
export const SLOT_MS = 100;

/**
 * Is `id[0, end)` shaped like a UUID v7 (36 characters, dashes in place, version 7)? The hex digits
 * are not checked: a key only needs to be the same for the same id, and non-hex text in those
 * places makes an `i:` key (see keyOf).
 */
function v7Shaped(id: string, end: number): boolean {
  return (
    end === 36 &&
    id.charCodeAt(8) === 45 &&
    id.charCodeAt(13) === 45 &&
    id.charCodeAt(14) === 55 &&
    id.charCodeAt(18) === 45 &&
    id.charCodeAt(23) === 45
  );
}

const baseEnd = (requestId: string): number => {
  const hash = requestId.indexOf('#');
  return hash < 0 ? requestId.length : hash;
};

/** The lookup key of a request id (with or without its `#<row>`). */
export function keyOf(requestId: string): string {
  const end = baseEnd(requestId);
  if (v7Shaped(requestId, end)) {
    const ms =
      Number.parseInt(requestId.slice(0, 8), 16) * 0x10000 + Number.parseInt(requestId.slice(9, 13), 16);
    if (/^[0-9a-f]{8}-[0-9a-f]{4}$/i.test(requestId.slice(0, 13))) return `t:${Math.floor(ms / SLOT_MS)}`;
  }
  return `i:${requestId.slice(0, end)}`;
}

/** The distinct keys of a segment's request ids. */
export function keysOf(requestIds: readonly string[]): string[] {
  const keys = new Set<string>();
  // Ids made in the same millisecond share their first 13 characters, and so their key.
  let millisecond = '';
  for (const id of requestIds) {
    if (millisecond !== '' && id.startsWith(millisecond) && v7Shaped(id, baseEnd(id))) continue;
    const key = keyOf(id);
    keys.add(key);
    millisecond = key.startsWith('t:') ? id.slice(0, 13) : '';
  }
  return [...keys];
}
