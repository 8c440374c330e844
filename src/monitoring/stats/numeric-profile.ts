import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FerryError } from '../../core/index.js';
import { DDSketch, DDSketchJsonSchema, DEFAULT_RELATIVE_ACCURACY } from './dd-sketch.js';
import { binIndex, binIndexLinear, DEFAULT_HISTOGRAM_BINS, quantileEdges } from './histogram.js';

/**
 * Distinct values a numeric profile counts exactly before it stops: 5. At most 5 distinct values,
 * Evidently treats a numeric column as categorical for drift (chi-square / Z-test / Jensen–Shannon).
 */
export const DISCRETE_VALUE_LIMIT = 5;

/**
 * Largest magnitude a numeric profile takes (1e100): the sum of squared deviations of larger
 * values could overflow to Infinity, which JSON cannot store, so such values count as missing,
 * like NaN and ±Infinity.
 */
export const MAX_PROFILED_MAGNITUDE = 1e100;

/** Up to this many histogram edges, addFloat32Rows finds a value's bin by a linear count. */
const LINEAR_SEARCH_EDGES = 16;

/** Schema of {@link NumericProfileJson}; `NumericProfile.fromJSON` checks stored JSON with it. */
export const NumericProfileJsonSchema = Type.Object(
  {
    kind: Type.Literal('numeric'),
    version: Type.Literal(1),
    missing: Type.Integer({ minimum: 0 }),
    mean: Type.Number(),
    m2: Type.Number({ minimum: 0 }),
    edges: Type.Array(Type.Number()),
    counts: Type.Array(Type.Integer({ minimum: 0 })),
    distinct: Type.Union([
      Type.Array(Type.Tuple([Type.Number(), Type.Integer({ minimum: 1 })])),
      Type.Null(),
    ]),
    sketch: DDSketchJsonSchema,
  },
  { additionalProperties: false },
);

/** Plain-JSON form of a {@link NumericProfile}, for a database text column. */
export type NumericProfileJson = Static<typeof NumericProfileJsonSchema>;

/** How to build an empty {@link NumericProfile}. */
export interface NumericProfileOptions {
  /** Strictly increasing inner histogram edges (see `binIndex`); none gives one bin. */
  readonly edges?: readonly number[];
  /** Sketch relative accuracy α; 0.01 unless given. */
  readonly relativeAccuracy?: number;
  /** The value the sketch is centred on (see {@link DDSketch}); 0 unless given. */
  readonly centre?: number;
}

/**
 * Profile of one numeric feature or output: count, missing, exact min/max, mean and variance,
 * a DDSketch for quantiles and CDF (relative error α, see {@link DDSketch}), a histogram over
 * fixed bins, and exact counts of the distinct values while there are at most
 * {@link DISCRETE_VALUE_LIMIT}.
 *
 * A reference profile cuts its histogram at its own deciles (`fromValues`); live profiles reuse
 * the reference's edges (`reference.emptyLike()`), so PSI and Jensen–Shannon compare the same bins.
 *
 * `add` mutates; `merge` returns a new profile and leaves both inputs unchanged. Merging is
 * commutative, and associative exactly for counts, missing, min/max, histogram, distinct values
 * and sketch bins, and within float rounding for mean and variance (Chan et al.'s parallel
 * formulas: n = nₐ + n_b, mean = (nₐ·meanₐ + n_b·mean_b)/n, M2 = M2ₐ + M2_b + δ²·nₐ·n_b/n with
 * δ = mean_b − meanₐ). So profiles of several replicas and windows merge as one stream would.
 */
export class NumericProfile {
  /** Rows whose value was null, undefined, NaN, ±Infinity or beyond ±{@link MAX_PROFILED_MAGNITUDE}. */
  missing = 0;
  private sketch: DDSketch;
  private readonly histogramEdges: readonly number[];
  private readonly histogramCounts: number[];
  private average = 0;
  private m2 = 0;
  private distinct: Map<number, number> | null = new Map();
  /**
   * Counts of float32 values addFloat32 took while distinct values are kept, by the float32; folded
   * into `distinct` (by their stored decimals, `storedOf`) before anything reads it.
   */
  private distinctFloat32: Map<number, number> | undefined;
  private storedOf: ((raw: number) => number) | undefined;
  /** The float32 addFloat32 saw last, and how many times in a row (not yet in `distinctFloat32`). */
  private runValue = NaN;
  private runCount = 0;

  /** An empty profile with the given histogram edges and sketch accuracy. */
  constructor(options: NumericProfileOptions = {}) {
    const edges = options.edges ?? [];
    for (let i = 1; i < edges.length; i++) {
      if (!((edges[i] ?? NaN) > (edges[i - 1] ?? NaN))) {
        throw new FerryError(
          'INVALID_ARGUMENT',
          `histogram edges must be strictly increasing, got [${edges.join(', ')}]`,
        );
      }
    }
    if (edges.some((edge) => !Number.isFinite(edge))) {
      throw new FerryError('INVALID_ARGUMENT', 'histogram edges must be finite numbers');
    }
    this.histogramEdges = [...edges];
    this.histogramCounts = new Array<number>(edges.length + 1).fill(0);
    this.sketch = new DDSketch(options.relativeAccuracy ?? DEFAULT_RELATIVE_ACCURACY, options.centre ?? 0);
  }

  /**
   * Profile all `values` at once: the reference profile. Unless `edges` are given, the histogram
   * is cut at the (i/bins)-quantiles of the values themselves (deciles by default); unless
   * `centre` is given, the sketch is centred on their median, so its bins are finest where the
   * values are (see {@link DDSketch}), and live profiles made by {@link emptyLike} share it.
   */
  static fromValues(
    values: readonly (number | null | undefined)[],
    options: NumericProfileOptions & { readonly bins?: number } = {},
  ): NumericProfile {
    const profiled = values.filter(
      (value): value is number => typeof value === 'number' && Math.abs(value) <= MAX_PROFILED_MAGNITUDE,
    );
    const edges = options.edges ?? quantileEdges(profiled, options.bins ?? DEFAULT_HISTOGRAM_BINS);
    const profile = new NumericProfile({
      edges,
      centre: options.centre ?? median(profiled),
      ...(options.relativeAccuracy === undefined ? {} : { relativeAccuracy: options.relativeAccuracy }),
    });
    for (const value of values) profile.add(value);
    return profile;
  }

  /** An empty profile with this one's edges and accuracy: a live window comparable to it. */
  emptyLike(): NumericProfile {
    return new NumericProfile({
      edges: this.histogramEdges,
      relativeAccuracy: this.sketch.relativeAccuracy,
      centre: this.sketch.offset,
    });
  }

  /** The value the sketch is centred on (the reference median for reference and live profiles). */
  get centre(): number {
    return this.sketch.offset;
  }

  /** Non-missing values profiled. */
  get count(): number {
    return this.sketch.count;
  }

  /** Smallest value (exact), null when there is none. */
  get min(): number | null {
    return this.sketch.min;
  }

  /** Largest value (exact), null when there is none. */
  get max(): number | null {
    return this.sketch.max;
  }

  /** Arithmetic mean, null when there is no value. */
  get mean(): number | null {
    return this.count === 0 ? null : this.average;
  }

  /** The sketch's relative accuracy α. */
  get relativeAccuracy(): number {
    return this.sketch.relativeAccuracy;
  }

  /** Inner histogram edges (bins are described at `binIndex`). */
  get edges(): readonly number[] {
    return this.histogramEdges;
  }

  /** Values per histogram bin (edges.length + 1 bins, outer ones open-ended). */
  get histogram(): readonly number[] {
    return this.histogramCounts;
  }

  /**
   * Exact count per distinct value, ascending, while there are at most
   * {@link DISCRETE_VALUE_LIMIT} distinct values; null beyond.
   */
  get distinctValues(): readonly (readonly [number, number])[] | null {
    this.foldDistinct();
    return this.distinct === null ? null : [...this.distinct.entries()].sort((a, b) => a[0] - b[0]);
  }

  /** Add one row's value; null, undefined, non-finite and overly large numbers count as missing. */
  add(value: number | null | undefined): void {
    if (typeof value !== 'number' || !(Math.abs(value) <= MAX_PROFILED_MAGNITUDE)) {
      this.missing += 1;
      return;
    }
    this.sketch.add(value);
    const n = this.sketch.count;
    const delta = value - this.average;
    this.average += delta / n;
    this.m2 += delta * (value - this.average);
    const bin = binIndex(this.histogramEdges, value);
    this.histogramCounts[bin] = (this.histogramCounts[bin] ?? 0) + 1;
    this.foldDistinct();
    if (this.distinct !== null) {
      this.distinct.set(value, (this.distinct.get(value) ?? 0) + 1);
      if (this.distinct.size > DISCRETE_VALUE_LIMIT) this.distinct = null;
    }
  }

  /**
   * Add a float32 read from a tensor as {@link add} would add `stored(raw)`, the decimal it is
   * stored as (its shortest decimal, `stored` being that conversion), converting only where the
   * difference could show: the sketch's bins and extremes (see DDSketch.addFloat32), a value next
   * to a histogram edge, and the exact distinct values. The mean and variance take the float32
   * itself, which differs from the decimal by less than 2^-24 of it.
   */
  addFloat32(raw: number, stored: (raw: number) => number): void {
    if (!(Math.abs(raw) <= MAX_PROFILED_MAGNITUDE)) {
      this.missing += 1;
      return;
    }
    this.sketch.addFloat32(raw, stored);
    const n = this.sketch.count;
    const delta = raw - this.average;
    this.average += delta / n;
    this.m2 += delta * (raw - this.average);
    const bin = this.binOfFloat32(raw, stored);
    this.histogramCounts[bin] = (this.histogramCounts[bin] ?? 0) + 1;
    this.countDistinct(raw, 1, stored);
  }

  /**
   * The histogram bin of the float32 `raw` as of its stored decimal (found by a linear count when
   * `linear`); the decimal is computed only next to an edge, where the two could fall on different
   * sides.
   */
  private binOfFloat32(raw: number, stored: (raw: number) => number, linear = false): number {
    const edges = this.histogramEdges;
    // Two direct calls rather than a function passed in: V8 inlines both.
    const bin = linear ? binIndexLinear(edges, raw) : binIndex(edges, raw);
    const near = Math.abs(raw) * 2 ** -20;
    const below = bin > 0 && raw - edges[bin - 1]! <= near;
    if (below || (bin < edges.length && edges[bin]! - raw <= near)) return binIndex(edges, stored(raw));
    return bin;
  }

  /** Count `count` more of the float32 `raw` while distinct values are kept, by runs of one value. */
  private countDistinct(raw: number, count: number, stored: (raw: number) => number): void {
    if (this.distinct === null) return;
    this.storedOf = stored;
    // A run of one value (a discrete feature's common case) is counted once it ends.
    if (raw === this.runValue) this.runCount += count;
    else {
      this.endRun();
      this.runValue = raw;
      this.runCount = count;
    }
  }

  /**
   * `addFloat32(values[row], stored)` for each of `rows` (a live profile adds a flushed segment's
   * column at a time): the same counts, missing, extremes, histogram, sketch and distinct values,
   * and the mean and variance within float rounding, since the rows' moments are computed
   * together and merged in (Chan et al.'s formulas, as {@link merge}) instead of one by one.
   */
  addFloat32Rows(values: Float32Array, rows: ArrayLike<number>, stored: (raw: number) => number): void {
    const counts = this.histogramCounts;
    const linear = this.histogramEdges.length <= LINEAR_SEARCH_EDGES;
    let added = 0;
    let sum = 0;
    let previous = NaN;
    let previousBin = 0;
    // A run of one value (a discrete or sparse feature, a repeated request) is counted once.
    for (let start = 0, end = 0; start < rows.length; start = end) {
      const raw = values[rows[start]!]!;
      end = start + 1;
      while (end < rows.length && values[rows[end]!] === raw) end += 1;
      const run = end - start;
      // Float32 values are never beyond MAX_PROFILED_MAGNITUDE: only NaN and ±Infinity are missing.
      if (!Number.isFinite(raw)) {
        this.missing += run;
        continue;
      }
      added += run;
      sum += raw * run;
      if (raw !== previous) {
        previous = raw;
        previousBin = this.binOfFloat32(raw, stored, linear);
      }
      counts[previousBin]! += run;
      this.countDistinct(raw, run, stored);
    }
    if (added === 0) return;
    const mean = sum / added;
    let m2 = 0;
    for (let i = 0; i < rows.length; i++) {
      const raw = values[rows[i]!]!;
      if (Number.isFinite(raw)) m2 += (raw - mean) * (raw - mean);
    }
    const before = this.sketch.count;
    this.sketch.addFloat32Rows(values, rows, stored);
    const moments = combineMoments(before, this.average, this.m2, added, mean, m2);
    this.average = moments.mean;
    this.m2 = moments.m2;
  }

  /** Count the current run of one float32 value in `distinctFloat32`. */
  private endRun(): void {
    const count = this.runCount;
    if (count === 0) return;
    const raw = this.runValue;
    this.runValue = NaN;
    this.runCount = 0;
    if (this.distinct === null) return;
    const counts = (this.distinctFloat32 ??= new Map());
    counts.set(raw, (counts.get(raw) ?? 0) + count);
    if (counts.size + this.distinct.size > DISCRETE_VALUE_LIMIT) this.foldDistinct();
  }

  /** Move the float32 distinct counts into `distinct` (null once past the limit). */
  private foldDistinct(): void {
    this.endRun();
    const counts = this.distinctFloat32;
    if (counts === undefined || counts.size === 0) return;
    this.distinctFloat32 = undefined;
    if (this.distinct === null) return;
    for (const [raw, count] of counts) {
      const value = this.storedOf!(raw);
      this.distinct.set(value, (this.distinct.get(value) ?? 0) + count);
    }
    if (this.distinct.size > DISCRETE_VALUE_LIMIT) this.distinct = null;
  }

  /** A new profile of both inputs' rows; both must share edges and accuracy. */
  merge(other: NumericProfile): NumericProfile {
    if (!sameEdges(this.histogramEdges, other.histogramEdges)) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        'cannot merge numeric profiles with different histogram edges; build live profiles with reference.emptyLike()',
      );
    }
    const merged = new NumericProfile({
      edges: this.histogramEdges,
      relativeAccuracy: this.relativeAccuracy,
      centre: this.centre,
    });
    const sketch = this.sketch.merge(other.sketch);
    const n = sketch.count;
    const na = this.count;
    const nb = other.count;
    merged.sketch = sketch;
    merged.missing = this.missing + other.missing;
    if (n > 0) {
      const moments = combineMoments(na, this.average, this.m2, nb, other.average, other.m2);
      merged.average = moments.mean;
      merged.m2 = moments.m2;
    }
    this.histogramCounts.forEach((count, i) => {
      merged.histogramCounts[i] = count + (other.histogramCounts[i] ?? 0);
    });
    this.foldDistinct();
    other.foldDistinct();
    merged.distinct = mergeDistinct(this.distinct, other.distinct);
    return merged;
  }

  /** Merge any number of profiles (an empty list is refused: there would be no edges). */
  static mergeAll(profiles: readonly NumericProfile[]): NumericProfile {
    const [first, ...rest] = profiles;
    if (first === undefined) throw new FerryError('INVALID_ARGUMENT', 'mergeAll needs at least one profile');
    return rest.reduce((merged, profile) => merged.merge(profile), first.merge(first.emptyLike()));
  }

  /**
   * Variance Σ(x − mean)²/(n − ddof): population (ddof 0, as numpy's `np.std`, which Evidently's
   * normed Wasserstein uses) or sample (ddof 1). Null when n ≤ ddof.
   */
  variance(ddof: 0 | 1 = 0): number | null {
    const n = this.count;
    return n - ddof <= 0 ? null : Math.max(0, this.m2) / (n - ddof);
  }

  /** Standard deviation √variance(ddof); null when n ≤ ddof. */
  std(ddof: 0 | 1 = 0): number | null {
    const variance = this.variance(ddof);
    return variance === null ? null : Math.sqrt(variance);
  }

  /** Lower q-quantile within relative error α (see {@link DDSketch.quantile}); null when empty. */
  quantile(q: number): number | null {
    return this.sketch.quantile(q);
  }

  /** Estimated share of values ≤ x (see {@link DDSketch.cdf}); null when empty. */
  cdf(x: number): number | null {
    return this.sketch.cdf(x);
  }

  /** The sketch's weighted points (one per bin), for KS and Wasserstein. */
  sketchBins(): ReturnType<DDSketch['bins']> {
    return this.sketch.bins();
  }

  /** Plain JSON for storage (see {@link NumericProfileJson}). */
  toJSON(): NumericProfileJson {
    return {
      kind: 'numeric',
      version: 1,
      missing: this.missing,
      mean: this.average,
      m2: this.m2,
      edges: [...this.histogramEdges],
      counts: [...this.histogramCounts],
      distinct: this.distinctValues?.map(([value, count]) => [value, count]) ?? null,
      sketch: this.sketch.toJSON(),
    };
  }

  /** Rebuild a profile from stored JSON; refuses JSON that does not match the schema or itself. */
  static fromJSON(json: unknown): NumericProfile {
    if (!Value.Check(NumericProfileJsonSchema, json)) {
      const first = Value.Errors(NumericProfileJsonSchema, json).First();
      throw new FerryError(
        'INVALID_ARGUMENT',
        `stored numeric profile is malformed at '${first?.path ?? ''}' (${first?.message ?? 'unknown'}); rebuild it from the reference data`,
      );
    }
    const profile = new NumericProfile({
      edges: json.edges,
      relativeAccuracy: json.sketch.relativeAccuracy,
      centre: json.sketch.offset ?? 0,
    });
    const sketch = DDSketch.fromJSON(json.sketch);
    const binned = json.counts.reduce((sum, count) => sum + count, 0);
    if (json.counts.length !== json.edges.length + 1 || binned !== sketch.count) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `stored numeric profile is inconsistent (${json.counts.length} bins for ${json.edges.length} edges, ${binned} binned of ${sketch.count}); rebuild it`,
      );
    }
    profile.sketch = sketch;
    profile.missing = json.missing;
    profile.average = json.mean;
    profile.m2 = json.m2;
    json.counts.forEach((count, i) => {
      profile.histogramCounts[i] = count;
    });
    profile.distinct = json.distinct === null ? null : new Map(json.distinct);
    return profile;
  }
}

/** The median of `values` (the mean of the middle two for an even count); 0 when there are none. */
function median(values: readonly number[]): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1
    ? (sorted[middle] ?? 0)
    : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Mean and sum of squared deviations of two groups of na and nb values together (Chan et al.):
 * mean = (nₐ·meanₐ + n_b·mean_b)/n, M2 = M2ₐ + M2_b + δ²·(nₐ·n_b/n). Symmetric to the bit in its
 * two groups (nₐ·n_b/n is computed before scaling δ²), so merging commutes exactly.
 */
function combineMoments(
  na: number,
  meanA: number,
  m2A: number,
  nb: number,
  meanB: number,
  m2B: number,
): { mean: number; m2: number } {
  const n = na + nb;
  const delta = meanB - meanA;
  return { mean: (na * meanA + nb * meanB) / n, m2: m2A + m2B + delta * delta * ((na * nb) / n) };
}

function sameEdges(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((edge, i) => edge === b[i]);
}

function mergeDistinct(
  a: ReadonlyMap<number, number> | null,
  b: ReadonlyMap<number, number> | null,
): Map<number, number> | null {
  if (a === null || b === null) return null;
  const merged = new Map(a);
  for (const [value, count] of b) merged.set(value, (merged.get(value) ?? 0) + count);
  return merged.size > DISCRETE_VALUE_LIMIT ? null : merged;
}
