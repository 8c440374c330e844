import { describe, expect, it } from 'vitest';
import { newRequestId } from '../../core/index.js';
import { keyOf, keysOf, SLOT_MS } from './segment-keys.js';

describe('segment keys', () => {
  it('keys a time-ordered id by its 100 ms slot, rows of a request alike, and any other id by itself', () => {
    const id = newRequestId();
    const ms = Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
    expect(keyOf(id)).toBe(`t:${Math.floor(ms / SLOT_MS)}`);
    expect(keyOf(`${id}#3`)).toBe(keyOf(id));
    expect(keyOf('order-17')).toBe('i:order-17');
    expect(keyOf('order-17#2')).toBe('i:order-17');
    // Shaped like a v7 id but not hex: its own key.
    expect(keyOf('zzzzzzzz-zzzz-7zzz-8zzz-zzzzzzzzzzzz')).toBe('i:zzzzzzzz-zzzz-7zzz-8zzz-zzzzzzzzzzzz');
  });

  it('gives a segment exactly the keys of its ids, whatever their mix', () => {
    const ids = [
      ...Array.from({ length: 50 }, () => newRequestId()),
      'caller-1',
      'zzzzzzzz-zzzz-7zzz-8zzz-zzzzzzzzzzzz',
      ...Array.from({ length: 3 }, (_, row) => `caller-2#${row}`),
      `${newRequestId()}#1`,
      '0190aaaa-bbbb-7ccc-8ddd-eeeeeeeeeeee',
      '0190aaaa-bbbb-7ccc-8ddd-ffffffffffff',
    ];
    expect(keysOf(ids).sort()).toEqual([...new Set(ids.map(keyOf))].sort());
  });
});
