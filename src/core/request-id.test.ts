import { describe, expect, it } from 'vitest';
import { newRequestId, requestIdOf } from './request-id.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('request ids', () => {
  it('makes time-ordered UUIDs: ids made later sort later', async () => {
    const first = Array.from({ length: 50 }, newRequestId);
    await new Promise((resolve) => setTimeout(resolve, 5));
    const later = Array.from({ length: 50 }, newRequestId);
    for (const id of [...first, ...later]) expect(id).toMatch(UUID_V7);
    expect(new Set([...first, ...later]).size).toBe(100);
    const newestFirst = [...first].sort().at(-1) ?? '';
    for (const id of later) expect(id > newestFirst).toBe(true);
  });

  it("keeps a caller's sane id and replaces a missing, repeated or unsafe one", () => {
    expect(requestIdOf('order-42:retry.1')).toBe('order-42:retry.1');
    for (const given of [undefined, '', 'a b', 'x'.repeat(129), 'path/../x', ['one', 'two']]) {
      expect(requestIdOf(given)).toMatch(UUID_V7);
    }
  });
});
