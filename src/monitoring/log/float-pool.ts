/** Free buffers a pool keeps; one more given back replaces the smallest. */
const MAX_FREE = 4;

/** Largest buffer kept (floats): 64 MiB. A larger one is left to the garbage collector. */
const MAX_POOLED_FLOATS = 16 * 1024 * 1024;

/**
 * Float32 storage handed out and given back, so the prediction log's float columns reuse the same
 * memory from flush to flush. A segment of a wide model needs megabytes (1024 rows × 512 features
 * is 2 MiB); a new ArrayBuffer each flush counts as fresh external memory, which makes V8 run full
 * garbage collections far more often (the bench's 512-feature model: about one a second, and
 * 34 → 17 µs of GC-thread CPU a request once the buffers were reused).
 */
export class FloatPool {
  private readonly free: Float32Array[] = [];

  /** `length` zeros: the smallest free buffer that holds them, or a new one. */
  take(length: number): Float32Array {
    let best = -1;
    for (let index = 0; index < this.free.length; index += 1) {
      const size = this.free[index]!.length;
      if (size >= length && (best < 0 || size < this.free[best]!.length)) best = index;
    }
    if (best < 0) return new Float32Array(length);
    const [buffer] = this.free.splice(best, 1);
    // Zeros, as a new array holds: rows a segment leaves unwritten never carry an earlier segment's values.
    return buffer!.subarray(0, length).fill(0);
  }

  /** Give back what {@link take} returned (the whole buffer behind it), once nothing reads it any more. */
  give(array: Float32Array): void {
    const whole = new Float32Array(array.buffer);
    if (whole.length > MAX_POOLED_FLOATS || this.free.some((kept) => kept.buffer === array.buffer)) return;
    this.free.push(whole);
    if (this.free.length > MAX_FREE) {
      let smallest = 0;
      for (let index = 1; index < this.free.length; index += 1) {
        if (this.free[index]!.length < this.free[smallest]!.length) smallest = index;
      }
      this.free.splice(smallest, 1);
    }
  }

  /** Buffers waiting to be taken again. */
  get size(): number {
    return this.free.length;
  }
}
