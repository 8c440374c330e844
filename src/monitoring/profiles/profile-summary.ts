import type { CategoryFrequency } from '../stats/index.js';
import type { FeatureProfile, FeatureSource, VersionProfile } from './version-profile.js';

/** The quantiles a summary reports, as `p1` … `p99`. */
export const SUMMARY_QUANTILES = [0.01, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99] as const;

/** Categories a summary lists, most frequent first. */
export const SUMMARY_TOP_K = 20;

/** What a summary says of every feature. */
interface SummaryBase {
  readonly source: FeatureSource;
  /** Non-missing values. */
  readonly count: number;
  /** Missing values (null, NaN, absent). */
  readonly missing: number;
}

/** The summary of a numeric feature or output. */
export interface NumericSummary extends SummaryBase {
  readonly kind: 'numeric';
  readonly min: number | null;
  readonly max: number | null;
  readonly mean: number | null;
  /** Sample standard deviation (n − 1), as pandas' `describe`; null below two values. */
  readonly std: number | null;
  /** `p1` … `p99`, each within the sketch's relative accuracy (1%) of the true quantile. */
  readonly quantiles: Readonly<Record<string, number | null>>;
  /** Inner edges (cut at the reference's deciles) and the count of each of the edges + 1 bins. */
  readonly histogram: { readonly edges: readonly number[]; readonly counts: readonly number[] };
  /** Exact counts per value while there are at most 5 distinct values; null beyond. */
  readonly distinctValues: readonly (readonly [number, number])[] | null;
}

/** The summary of a categorical feature or output. */
export interface CategoricalSummary extends SummaryBase {
  readonly kind: 'categorical';
  /** Categories counted by name (at most the cap). */
  readonly distinct: number;
  /** Rows of categories beyond the cap (1000 by default), reported as `__other__`. */
  readonly other: number;
  /** The most frequent categories with count and frequency (share of non-missing rows). */
  readonly topK: readonly CategoryFrequency[];
}

/** The summary of one feature or output. */
export type FeatureSummary = NumericSummary | CategoricalSummary;

const quantileName = (q: number): string => `p${Math.round(q * 100)}`;

/** A readable summary of one feature's profile. */
export function summarizeFeature(entry: FeatureProfile): FeatureSummary {
  if (entry.kind === 'categorical') {
    const { profile } = entry;
    return {
      kind: 'categorical',
      source: entry.source,
      count: profile.count,
      missing: profile.missing,
      distinct: profile.distinctCount,
      other: profile.other,
      topK: profile.topK(SUMMARY_TOP_K),
    };
  }
  const { profile } = entry;
  return {
    kind: 'numeric',
    source: entry.source,
    count: profile.count,
    missing: profile.missing,
    min: profile.min,
    max: profile.max,
    mean: profile.mean,
    std: profile.std(1),
    quantiles: Object.fromEntries(SUMMARY_QUANTILES.map((q) => [quantileName(q), profile.quantile(q)])),
    histogram: { edges: profile.edges, counts: profile.histogram },
    distinctValues: profile.distinctValues,
  };
}

/** Summaries of every feature and output of a profile, by name (inputs first). */
export function summarizeProfile(profile: VersionProfile): Record<string, FeatureSummary> {
  const summary: Record<string, FeatureSummary> = {};
  for (const [name, entry] of profile.features) summary[name] = summarizeFeature(entry);
  return summary;
}
