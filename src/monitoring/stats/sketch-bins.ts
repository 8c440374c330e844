/** Widest key range a {@link SketchBins} keeps in an array (64 KiB of counts); wider goes to a map. */
export const MAX_DENSE_BINS = 8192;

const EMPTY = new Float64Array(0);

/**
 * The bin counts of one sign of a DDSketch: count by integer key. Keys that stay within
 * {@link MAX_DENSE_BINS} of each other (about 80 orders of magnitude at α = 0.01) are counted in an
 * array that grows to cover them, so adding a value costs an index, not a hash-map update; a wider
 * range moves the counts to a map once. Either way the counts are exact, and read in key order.
 */
export class SketchBins {
  /** counts[key − base]; integers well below 2^53. */
  private counts: Float64Array = EMPTY;
  private base = 0;
  private sparse: Map<number, number> | undefined;

  /** Add `count` to the bin `key`. */
  add(key: number, count: number): void {
    const index = key - this.base;
    if (index >= 0 && index < this.counts.length) this.counts[index]! += count;
    else if (this.sparse !== undefined) this.sparse.set(key, (this.sparse.get(key) ?? 0) + count);
    else this.grow(key, count);
  }

  /** Non-empty bins as `[key, count]`, ascending key. */
  entries(): [number, number][] {
    if (this.sparse !== undefined) return [...this.sparse.entries()].sort((a, b) => a[0] - b[0]);
    const out: [number, number][] = [];
    const { counts, base } = this;
    for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) out.push([base + i, counts[i]!]);
    return out;
  }

  /** Add every bin of `other` to this one's. */
  addAll(other: SketchBins): void {
    if (other.sparse !== undefined) {
      for (const [key, count] of other.sparse) this.add(key, count);
      return;
    }
    const { counts, base } = other;
    for (let i = 0; i < counts.length; i++) if (counts[i] !== 0) this.add(base + i, counts[i]!);
  }

  /** A copy with the same counts. */
  copy(): SketchBins {
    const copy = new SketchBins();
    copy.counts = this.counts.slice();
    copy.base = this.base;
    if (this.sparse !== undefined) copy.sparse = new Map(this.sparse);
    return copy;
  }

  /** Count `key` outside the array: widen the array around it, or move to a map when too wide. */
  private grow(key: number, count: number): void {
    const counts = this.counts;
    if (counts.length === 0) {
      this.counts = new Float64Array(64);
      this.base = key - 32;
      this.counts[32] = count;
      return;
    }
    const low = Math.min(key, this.base);
    const high = Math.max(key, this.base + counts.length - 1);
    const span = high - low + 1;
    if (span > MAX_DENSE_BINS) {
      this.sparse = new Map(this.entries());
      this.counts = EMPTY;
      this.base = 0;
      this.sparse.set(key, (this.sparse.get(key) ?? 0) + count);
      return;
    }
    // Room to grow on the side that grew, so a drifting range reallocates O(log span) times.
    const length = Math.min(MAX_DENSE_BINS, Math.max(span + 32, counts.length * 2));
    const base = key < this.base ? high - length + 1 : low;
    const grown = new Float64Array(length);
    grown.set(counts, this.base - base);
    this.counts = grown;
    this.base = base;
    this.counts[key - base]! += count;
  }
}
