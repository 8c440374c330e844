import { describe, expect, it } from 'vitest';
import { cacheKey, ResponseCache } from './response-cache.js';

const tensor = (values: number[]) => ({
  datatype: 'FP32' as const,
  shape: [values.length],
  data: new Float32Array(values),
});
const v1 = { model: 'm', version: 1, sha256: 'a'.repeat(64) };
const v2 = { model: 'm', version: 2, sha256: 'b'.repeat(64) };

describe('response cache keys', () => {
  it('differ between versions for the same inputs, so one version never answers for another', () => {
    const inputs = { x: tensor([1, 2]) };
    expect(cacheKey(v1, inputs, ['y'])).not.toBe(cacheKey(v2, inputs, ['y']));
    expect(cacheKey(v1, inputs, ['y'])).not.toBe(cacheKey({ ...v1, sha256: 'c'.repeat(64) }, inputs, ['y']));
  });

  it('depend on values, shape, datatype and requested outputs, not on input order', () => {
    const base = cacheKey(v1, { a: tensor([1]), b: tensor([2]) }, ['y', 'z']);
    expect(cacheKey(v1, { b: tensor([2]), a: tensor([1]) }, ['z', 'y'])).toBe(base);
    expect(cacheKey(v1, { a: tensor([1]), b: tensor([3]) }, ['y', 'z'])).not.toBe(base);
    expect(cacheKey(v1, { a: tensor([1]), b: tensor([2]) }, ['y'])).not.toBe(base);
    expect(cacheKey(v1, { a: { ...tensor([1]), shape: [1, 1] }, b: tensor([2]) }, ['y', 'z'])).not.toBe(base);
    expect(
      cacheKey(v1, { a: { datatype: 'INT32', shape: [1], data: new Int32Array([1]) }, b: tensor([2]) }, [
        'y',
        'z',
      ]),
    ).not.toBe(base);
  });
});

describe('ResponseCache', () => {
  it('counts hits and misses', () => {
    const cache = new ResponseCache(1024);
    expect(cache.get('k')).toBeUndefined();
    cache.set('k', { y: tensor([1]) });
    expect(cache.get('k')).toEqual({ y: tensor([1]) });
    expect([cache.hits, cache.misses]).toEqual([1, 1]);
  });

  it('stays within its byte bound, evicting the least recently used first', () => {
    const cache = new ResponseCache(100); // each entry: 16 bytes of floats + 2-byte key
    for (const key of ['k1', 'k2', 'k3', 'k4', 'k5']) cache.set(key, { y: tensor([1, 2, 3, 4]) });
    cache.get('k1'); // k1 becomes the most recent
    cache.set('k6', { y: tensor([1, 2, 3, 4]) });
    expect(cache.bytes).toBeLessThanOrEqual(100);
    expect(cache.get('k1')).toBeDefined();
    expect(cache.get('k2')).toBeUndefined();
  });

  it('does not store an entry larger than the whole cache', () => {
    const cache = new ResponseCache(10);
    cache.set('k', { y: tensor([1, 2, 3, 4]) });
    expect(cache.size).toBe(0);
  });

  it('evicts one version on demand, and only that version', () => {
    const cache = new ResponseCache(1024);
    cache.set(cacheKey(v1, { x: tensor([1]) }, ['y']), { y: tensor([1]) });
    cache.set(cacheKey(v2, { x: tensor([1]) }, ['y']), { y: tensor([2]) });
    cache.set(cacheKey({ ...v1, model: 'other' }, { x: tensor([1]) }, ['y']), { y: tensor([1]) });
    cache.evictVersion('m', 1);
    expect(cache.size).toBe(2);
    expect(cache.get(cacheKey(v2, { x: tensor([1]) }, ['y']))).toBeDefined();
  });
});
