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
const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;

/** Width of a time slot, ms. */
export const SLOT_MS = 100;

/** The lookup key of a request id (with or without its `#<row>`). */
export function keyOf(requestId: string): string {
  const hash = requestId.indexOf('#');
  const base = hash < 0 ? requestId : requestId.slice(0, hash);
  if (!V7.test(base)) return `i:${base}`;
  const ms = Number.parseInt(base.slice(0, 8), 16) * 0x10000 + Number.parseInt(base.slice(9, 13), 16);
  return `t:${Math.floor(ms / SLOT_MS)}`;
}

/** The distinct keys of a segment's request ids. */
export function keysOf(requestIds: readonly string[]): string[] {
  const keys = new Set<string>();
  let previous = '';
  for (const id of requestIds) {
    // Consecutive ids mostly share a slot: skip the Set for those.
    const key = keyOf(id);
    if (key !== previous) keys.add(key);
    previous = key;
  }
  return [...keys];
}
