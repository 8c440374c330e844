import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FerryError } from '../../core/index.js';

/** Distinct categories a profile keeps by default: 1000. */
export const DEFAULT_MAX_CATEGORIES = 1000;

/** The name under which the rows of categories beyond the cap are reported. */
export const OTHER_CATEGORY = '__other__';

/** Schema of {@link CategoricalProfileJson}; `CategoricalProfile.fromJSON` checks stored JSON with it. */
export const CategoricalProfileJsonSchema = Type.Object(
  {
    kind: Type.Literal('categorical'),
    version: Type.Literal(1),
    maxCategories: Type.Integer({ minimum: 1 }),
    missing: Type.Integer({ minimum: 0 }),
    other: Type.Integer({ minimum: 0 }),
    /** `[category, count]`, most frequent first. */
    counts: Type.Array(Type.Tuple([Type.String(), Type.Integer({ minimum: 1 })])),
  },
  { additionalProperties: false },
);

/** Plain-JSON form of a {@link CategoricalProfile}, for a database text column. */
export type CategoricalProfileJson = Static<typeof CategoricalProfileJsonSchema>;

/** A category with its count and its share of the non-missing rows. */
export interface CategoryFrequency {
  readonly category: string;
  readonly count: number;
  readonly frequency: number;
}

/**
 * Profile of one categorical feature or output: count, missing, and the count per category.
 * Values are compared as strings (`String(value)`); null and undefined count as missing.
 *
 * **Cap.** At most `maxCategories` distinct categories (default 1000) are counted by name. A new
 * category arriving when the cap is reached goes to the {@link OTHER_CATEGORY} bucket; a merge
 * whose union exceeds the cap keeps the most frequent (ties by name) and folds the rest into it.
 * Totals stay exact. While the number of distinct categories stays within the cap, every count is
 * exact and merging is exactly associative and commutative, equal to profiling the union; beyond
 * the cap the per-category split of the folded rows depends on arrival order. A real category
 * named `__other__` is reported together with the bucket.
 *
 * `add` mutates; `merge` returns a new profile and leaves both inputs unchanged.
 */
export class CategoricalProfile {
  /** Rows whose value was null or undefined. */
  missing = 0;
  /** Rows of categories beyond the cap. */
  other = 0;
  /** The cap on distinct categories counted by name. */
  readonly maxCategories: number;
  private readonly counts = new Map<string, number>();

  /** An empty profile keeping at most `maxCategories` categories by name. */
  constructor(options: { readonly maxCategories?: number } = {}) {
    const maxCategories = options.maxCategories ?? DEFAULT_MAX_CATEGORIES;
    if (!Number.isInteger(maxCategories) || maxCategories < 1) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `maxCategories must be a positive integer, got ${maxCategories}`,
      );
    }
    this.maxCategories = maxCategories;
  }

  /** Profile all `values` at once. */
  static fromValues(
    values: readonly (string | number | boolean | null | undefined)[],
    options: { readonly maxCategories?: number } = {},
  ): CategoricalProfile {
    const profile = new CategoricalProfile(options);
    for (const value of values) profile.add(value);
    return profile;
  }

  /** An empty profile with this one's cap. */
  emptyLike(): CategoricalProfile {
    return new CategoricalProfile({ maxCategories: this.maxCategories });
  }

  /** Non-missing rows profiled (named categories plus the `__other__` bucket). */
  get count(): number {
    let total = this.other;
    for (const count of this.counts.values()) total += count;
    return total;
  }

  /** Number of categories counted by name. */
  get distinctCount(): number {
    return this.counts.size;
  }

  /** Add one row's value. */
  add(value: string | number | boolean | null | undefined): void {
    if (value === null || value === undefined) {
      this.missing += 1;
      return;
    }
    const category = String(value);
    const count = this.counts.get(category);
    if (count !== undefined) this.counts.set(category, count + 1);
    else if (category !== OTHER_CATEGORY && this.counts.size < this.maxCategories)
      this.counts.set(category, 1);
    else this.other += 1;
  }

  /**
   * Count per category, with the `__other__` bucket as one more entry when it is not empty.
   * This is the distribution the drift measures compare.
   */
  categoryCounts(): Map<string, number> {
    const counts = new Map(this.counts);
    if (this.other > 0) counts.set(OTHER_CATEGORY, this.other);
    return counts;
  }

  /**
   * The k most frequent categories (ties by name), each with count and frequency = count / count
   * of non-missing rows; the `__other__` bucket takes part like any category.
   */
  topK(k: number): CategoryFrequency[] {
    const total = this.count;
    return sortByFrequency([...this.categoryCounts()])
      .slice(0, Math.max(0, k))
      .map(([category, count]) => ({ category, count, frequency: total === 0 ? 0 : count / total }));
  }

  /** A new profile of both inputs' rows, with the smaller of the two caps. */
  merge(other: CategoricalProfile): CategoricalProfile {
    const merged = new CategoricalProfile({
      maxCategories: Math.min(this.maxCategories, other.maxCategories),
    });
    merged.missing = this.missing + other.missing;
    merged.other = this.other + other.other;
    const union = new Map(this.counts);
    for (const [category, count] of other.counts) union.set(category, (union.get(category) ?? 0) + count);
    sortByFrequency([...union]).forEach(([category, count], rank) => {
      if (rank < merged.maxCategories) merged.counts.set(category, count);
      else merged.other += count;
    });
    return merged;
  }

  /** Merge any number of profiles; an empty list gives an empty profile with the default cap. */
  static mergeAll(profiles: readonly CategoricalProfile[]): CategoricalProfile {
    const caps = profiles.map((profile) => profile.maxCategories);
    const empty = new CategoricalProfile({
      maxCategories: caps.length === 0 ? DEFAULT_MAX_CATEGORIES : Math.min(...caps),
    });
    return profiles.reduce((merged, profile) => merged.merge(profile), empty);
  }

  /** Plain JSON for storage (see {@link CategoricalProfileJson}). */
  toJSON(): CategoricalProfileJson {
    return {
      kind: 'categorical',
      version: 1,
      maxCategories: this.maxCategories,
      missing: this.missing,
      other: this.other,
      counts: sortByFrequency([...this.counts]),
    };
  }

  /** Rebuild a profile from stored JSON; refuses JSON that does not match the schema. */
  static fromJSON(json: unknown): CategoricalProfile {
    if (!Value.Check(CategoricalProfileJsonSchema, json)) {
      const first = Value.Errors(CategoricalProfileJsonSchema, json).First();
      throw new FerryError(
        'INVALID_ARGUMENT',
        `stored categorical profile is malformed at '${first?.path ?? ''}' (${first?.message ?? 'unknown'}); rebuild it from the reference data`,
      );
    }
    if (json.counts.length > json.maxCategories) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `stored categorical profile names ${json.counts.length} categories, over its cap of ${json.maxCategories}; rebuild it`,
      );
    }
    const profile = new CategoricalProfile({ maxCategories: json.maxCategories });
    profile.missing = json.missing;
    profile.other = json.other;
    for (const [category, count] of json.counts) profile.counts.set(category, count);
    return profile;
  }
}

function sortByFrequency(entries: [string, number][]): [string, number][] {
  return entries.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}
