import { describe, expect, it } from 'vitest';
import { FloatPool } from './float-pool.js';

describe('FloatPool', () => {
  it('hands back a given buffer zeroed, the smallest that fits, and a new one when none fits', () => {
    const pool = new FloatPool();
    const big = pool.take(100).fill(7);
    const small = pool.take(10).fill(8);
    pool.give(big);
    pool.give(small);
    const again = pool.take(8);
    expect(again.buffer).toBe(small.buffer);
    expect([...again]).toEqual(new Array(8).fill(0));
    const larger = pool.take(50);
    expect(larger.buffer).toBe(big.buffer);
    expect(larger.length).toBe(50);
    expect(larger.every((value) => value === 0)).toBe(true);
    expect(pool.take(200).buffer).not.toBe(big.buffer);
  });

  it('takes the whole buffer back from a shorter view, once, and keeps at most four, the largest', () => {
    const pool = new FloatPool();
    const whole = pool.take(64);
    pool.give(whole);
    const view = pool.take(16);
    pool.give(view);
    pool.give(view); // twice: still one free buffer, never handed to two segments
    expect(pool.size).toBe(1);
    expect(pool.take(64).buffer).toBe(whole.buffer);
    const sizes = [5, 1, 4, 2, 3];
    const buffers = sizes.map((size) => new FloatPool().take(size));
    for (const buffer of buffers) pool.give(buffer);
    expect(pool.size).toBe(4);
    // The fifth pushed out the smallest (1): the smallest left that fits one float holds 2.
    const taken = pool.take(1);
    expect(taken.length).toBe(1);
    expect(new Float32Array(taken.buffer).length).toBe(2);
  });
});
