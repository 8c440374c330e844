import { Type, type Static } from '@sinclair/typebox';
import { FerryError } from '../../core/index.js';
import type { WeightedValue } from './empirical-distribution.js';
import { SketchBins } from './sketch-bins.js';

/** Relative accuracy α of the sketches Ferry keeps unless told otherwise: 1%. */
export const DEFAULT_RELATIVE_ACCURACY = 0.01;

const BinsSchema = Type.Array(Type.Tuple([Type.Integer(), Type.Integer({ minimum: 1 })]));

/** Schema of {@link DDSketchJson}: bins are `[key, count]`, ascending key. */
export const DDSketchJsonSchema = Type.Object(
  {
    relativeAccuracy: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1 }),
    count: Type.Integer({ minimum: 0 }),
    zeroCount: Type.Integer({ minimum: 0 }),
    /** Smallest value seen; null when the sketch is empty (JSON has no Infinity). */
    min: Type.Union([Type.Number(), Type.Null()]),
    /** Largest value seen; null when the sketch is empty. */
    max: Type.Union([Type.Number(), Type.Null()]),
    /** Bins of the positive values. */
    positive: BinsSchema,
    /** Bins of the absolute values of the negative values. */
    negative: BinsSchema,
    /** The value the bins are centred on (see {@link DDSketch}); absent means 0. */
    offset: Type.Optional(Type.Number()),
  },
  { additionalProperties: false },
);

/** Plain-JSON form of a {@link DDSketch}, for a database text column. */
export type DDSketchJson = Static<typeof DDSketchJsonSchema>;

/**
 * DDSketch (Masson, Rim & Lee, "DDSketch: A Fast and Fully-Mergeable Quantile Sketch with
 * Relative-Error Guarantees", VLDB 2019) with the logarithmic mapping and unbounded stores (dense
 * arrays over the keys seen, see SketchBins).
 *
 * **Error bound.** With relative accuracy α and γ = (1 + α) / (1 − α), a positive value x goes to
 * the bin k = ⌈log_γ x⌉, i.e. γ^(k−1) < x ≤ γ^k, represented by 2γ^k / (γ + 1); negative values
 * use the same bins on |x|, zeros are counted apart. Every x in a bin is within relative distance α
 * of its representative, hence `quantile(q)` returns a value v with |v − x_q| ≤ α·|x_q| where x_q
 * is the true lower quantile, the element of rank ⌊q·(n − 1)⌋ (0-based) of the sorted values.
 *
 * **Merging is exact.** Bins are fixed by α, not by the data, so merging adds bin counts: the
 * merge of sketches of any split of a stream is bin for bin the sketch of the whole stream (and
 * merge is associative and commutative). Sketches of different α cannot be merged.
 *
 * **Size.** Bins are kept without collapsing: about ln(max/min) / ln γ bins per sign,
 * e.g. about 115 bins per factor of 10 at α = 0.01 (≈ 1,400 for values spanning 1e-6..1e6).
 *
 * **Offset.** A sketch may be centred on a value c (`offset`, 0 by default): it bins x − c, so the
 * error bound becomes |v − x_q| ≤ α·|x_q − c|. Profiles centre their sketches on the reference
 * median, so a feature whose spread is small next to its magnitude (a latitude of 47.6 ± 0.1, a
 * year of 2020 ± 2) keeps fine bins where its values are, instead of bins 2α·|x| wide that would
 * hide a shift from KS and Wasserstein. Only sketches with the same offset merge bin for bin.
 *
 * Why not `@datadog/sketches-js`: its serialization is protobuf through a `protobufjs` it does not
 * declare as a dependency, drops min/max on decode, and it has no CDF; storing its bins as JSON
 * and reading its CDF would mean reaching into its internal dense stores.
 */
export class DDSketch {
  /** The accuracy α this sketch guarantees. */
  readonly relativeAccuracy: number;
  private readonly gamma: number;
  private readonly lnGamma: number;
  private positive = new SketchBins();
  private negative = new SketchBins();
  private zeros = 0;
  private total = 0;
  private low = Infinity;
  private high = -Infinity;
  /** The float32 whose stored decimal is `low` (`high`), when addFloat32 added it; else NaN. */
  private lowRaw = NaN;
  private highRaw = NaN;
  /** The last float32 addFloat32 binned without converting it, and its bin. */
  private lastRaw = NaN;
  private lastKey = 0;
  private lastPositive = true;

  /**
   * An empty sketch; α must be in (0, 1), the offset (the value bins are centred on) a finite
   * number.
   */
  constructor(
    relativeAccuracy: number = DEFAULT_RELATIVE_ACCURACY,
    readonly offset: number = 0,
  ) {
    if (!Number.isFinite(offset)) {
      throw new FerryError('INVALID_ARGUMENT', `a sketch offset must be a finite number, got ${offset}`);
    }
    if (!(relativeAccuracy > 0 && relativeAccuracy < 1)) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `sketch relative accuracy must be in (0, 1), got ${relativeAccuracy}; 0.01 is the default`,
      );
    }
    this.relativeAccuracy = relativeAccuracy;
    this.gamma = (1 + relativeAccuracy) / (1 - relativeAccuracy);
    this.lnGamma = Math.log(this.gamma);
  }

  /** Number of values added. */
  get count(): number {
    return this.total;
  }

  /** Smallest value added (exact), or null when empty. */
  get min(): number | null {
    return this.total === 0 ? null : this.low;
  }

  /** Largest value added (exact), or null when empty. */
  get max(): number | null {
    return this.total === 0 ? null : this.high;
  }

  /** Add one finite value. Non-finite values are refused (profiles count them as missing). */
  add(input: number): void {
    if (!Number.isFinite(input)) {
      throw new FerryError('INVALID_ARGUMENT', `a sketch takes finite numbers only, got ${input}`);
    }
    const value = input === 0 ? 0 : input; // −0 is 0: JSON cannot tell them apart
    this.bin(value - this.offset, 1);
    this.total += 1;
    if (value < this.low) {
      this.low = value;
      this.lowRaw = NaN;
    }
    if (value > this.high) {
      this.high = value;
      this.highRaw = NaN;
    }
  }

  /**
   * Add `stored(raw)`, a float32's stored decimal (within 2^-24 of it, relatively), computing it
   * only where it could land elsewhere than `raw`: next to a bin boundary, at or next to the
   * offset, or as a new minimum or maximum. The sketch is then exactly what `add(stored(raw))`
   * makes, at the cost of one logarithm for most values.
   */
  addFloat32(raw: number, stored: (raw: number) => number): void {
    if (raw === this.lastRaw) {
      // The value binned last time (a run of one value): same bin, not a new extreme.
      (this.lastPositive ? this.positive : this.negative).add(this.lastKey, 1);
      this.total += 1;
      return;
    }
    const centred = raw - this.offset;
    const magnitude = Math.abs(centred);
    // Twice the distance to the decimal, in units of the bins' logarithm (log(1 + x) ≤ x).
    const slack = Math.abs(raw) * 2 ** -23;
    const inside = (raw > this.low || raw === this.lowRaw) && (raw < this.high || raw === this.highRaw);
    if (magnitude > 4 * slack && inside) {
      const t = Math.log(magnitude) / this.lnGamma;
      const near = slack / magnitude / this.lnGamma;
      const fraction = t - Math.floor(t);
      if (fraction > near && 1 - fraction > near) {
        const key = Math.ceil(t);
        if (centred > 0) this.positive.add(key, 1);
        else this.negative.add(key, 1);
        this.total += 1;
        this.lastRaw = raw;
        this.lastKey = key;
        this.lastPositive = centred > 0;
        return;
      }
    }
    const value = stored(raw);
    this.add(value);
    if (value === this.low) this.lowRaw = raw;
    if (value === this.high) this.highRaw = raw;
  }

  /**
   * `addFloat32(values[row], stored)` for each of `rows`, skipping values that are not finite (a
   * profile counts those as missing). The same sketch, with the common case (a value strictly
   * between min and max, away from bin boundaries and the offset) in one loop: a live profile adds
   * a column of a flushed segment at a time.
   */
  addFloat32Rows(values: Float32Array, rows: ArrayLike<number>, stored: (raw: number) => number): void {
    const offset = this.offset;
    // t·(1/ln γ) is within a few ulps of t/ln γ; a value that close to a boundary takes addFloat32.
    const perLn = 1 / this.lnGamma;
    const { positive, negative } = this;
    let added = 0;
    // Values equal to the last one binned, counted in its bin when the run ends.
    let repeats = 0;
    for (let i = 0; i < rows.length; i++) {
      const raw = values[rows[i]!]!;
      if (raw === this.lastRaw) {
        repeats += 1;
        continue;
      }
      if (repeats > 0) {
        (this.lastPositive ? positive : negative).add(this.lastKey, repeats);
        added += repeats;
        repeats = 0;
      }
      if (!Number.isFinite(raw)) continue;
      const centred = raw - offset;
      const magnitude = Math.abs(centred);
      const slack = Math.abs(raw) * 2 ** -23;
      if (magnitude > 4 * slack && raw > this.low && raw < this.high) {
        const t = Math.log(magnitude) * perLn;
        const near = (slack * perLn) / magnitude;
        const fraction = t - Math.floor(t);
        if (fraction > near && 1 - fraction > near) {
          const key = Math.ceil(t);
          if (centred > 0) positive.add(key, 1);
          else negative.add(key, 1);
          added += 1;
          this.lastRaw = raw;
          this.lastKey = key;
          this.lastPositive = centred > 0;
          continue;
        }
      }
      this.addFloat32(raw, stored);
    }
    if (repeats > 0) (this.lastPositive ? positive : negative).add(this.lastKey, repeats);
    this.total += added + repeats;
  }

  /** Count `count` values at `centred` (a value minus the offset) in its bin. */
  private bin(centred: number, count: number): void {
    if (centred > 0) this.positive.add(this.keyOf(centred), count);
    else if (centred < 0) this.negative.add(this.keyOf(-centred), count);
    else this.zeros += count;
  }

  /**
   * A new sketch holding both inputs' values (neither input changes). With equal offsets the
   * merge is exact; otherwise `other`'s bins are re-binned at this sketch's offset by their
   * representatives, which adds at most α of their distance to the offset once more.
   */
  merge(other: DDSketch): DDSketch {
    if (other.relativeAccuracy !== this.relativeAccuracy) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `cannot merge sketches of relative accuracy ${this.relativeAccuracy} and ${other.relativeAccuracy}; build both with the same accuracy`,
      );
    }
    const merged = this.copy();
    if (other.offset === this.offset) {
      merged.positive.addAll(other.positive);
      merged.negative.addAll(other.negative);
      merged.zeros += other.zeros;
    } else {
      for (const bin of other.bins()) merged.bin(bin.value - this.offset, bin.weight);
    }
    merged.total += other.total;
    merged.low = Math.min(merged.low, other.low);
    merged.high = Math.max(merged.high, other.high);
    return merged;
  }

  /**
   * The lower q-quantile (q in [0, 1]): within relative error α of the element of rank
   * ⌊q·(n − 1)⌋, clamped to [min, max] (clamping only moves it closer); quantile(0) and
   * quantile(1) are the exact min and max. Null when empty.
   */
  quantile(q: number): number | null {
    if (this.total === 0) return null;
    if (!(q >= 0 && q <= 1)) {
      throw new FerryError('INVALID_ARGUMENT', `a quantile must be in [0, 1], got ${q}`);
    }
    const rank = q * (this.total - 1);
    let seen = 0;
    for (const bin of this.bins()) {
      seen += bin.weight;
      if (seen > rank) return Math.min(this.high, Math.max(this.low, bin.value));
    }
    return this.high;
  }

  /**
   * Estimated share of values ≤ x: the weight of the bins whose representative is ≤ x. For x > 0
   * it lies between the true CDF at x/(1 + α) and at x/(1 − α) (mirrored for x < 0); it is 0
   * below min and 1 from max on. Null when empty.
   */
  cdf(x: number): number | null {
    if (this.total === 0) return null;
    if (x < this.low) return 0;
    if (x >= this.high) return 1;
    let below = 0;
    for (const bin of this.bins()) {
      if (bin.value > x) break;
      below += bin.weight;
    }
    return below / this.total;
  }

  /**
   * The sketch as weighted points, ascending: each non-empty bin's representative value with its
   * count. Representatives are not clamped to [min, max], so two sketches of the same accuracy
   * and offset place a shared bin at the same point: this is the distribution the drift measures compare.
   */
  bins(): WeightedValue[] {
    const out: WeightedValue[] = [];
    const offset = this.offset;
    const negative = this.negative.entries();
    for (let i = negative.length - 1; i >= 0; i--) {
      const [key, weight] = negative[i]!;
      out.push({ value: offset - this.valueOf(key), weight });
    }
    if (this.zeros > 0) out.push({ value: offset, weight: this.zeros });
    for (const [key, weight] of this.positive.entries())
      out.push({ value: offset + this.valueOf(key), weight });
    return out;
  }

  /** Plain JSON, bins sorted by key (equal sketches give equal JSON). */
  toJSON(): DDSketchJson {
    return {
      relativeAccuracy: this.relativeAccuracy,
      count: this.total,
      zeroCount: this.zeros,
      min: this.min,
      max: this.max,
      positive: this.positive.entries(),
      negative: this.negative.entries(),
      ...(this.offset === 0 ? {} : { offset: this.offset }),
    };
  }

  /** Rebuild a sketch from {@link DDSketch.toJSON}'s output; refuses inconsistent counts. */
  static fromJSON(json: DDSketchJson): DDSketch {
    const sketch = new DDSketch(json.relativeAccuracy, json.offset ?? 0);
    let binned = json.zeroCount;
    for (const [key, count] of json.positive) {
      sketch.positive.add(key, count);
      binned += count;
    }
    for (const [key, count] of json.negative) {
      sketch.negative.add(key, count);
      binned += count;
    }
    if (binned !== json.count || (json.count > 0 && (json.min === null || json.max === null))) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `stored sketch is inconsistent (count ${json.count}, bins hold ${binned}); rebuild the profile`,
      );
    }
    sketch.zeros = json.zeroCount;
    sketch.total = json.count;
    sketch.low = json.min ?? Infinity;
    sketch.high = json.max ?? -Infinity;
    return sketch;
  }

  private keyOf(magnitude: number): number {
    return Math.ceil(Math.log(magnitude) / this.lnGamma);
  }

  private valueOf(key: number): number {
    return Math.min(Number.MAX_VALUE, (2 * Math.exp(key * this.lnGamma)) / (this.gamma + 1));
  }

  private copy(): DDSketch {
    const copy = new DDSketch(this.relativeAccuracy, this.offset);
    copy.positive = this.positive.copy();
    copy.negative = this.negative.copy();
    copy.zeros = this.zeros;
    copy.total = this.total;
    copy.low = this.low;
    copy.high = this.high;
    return copy;
  }
}
