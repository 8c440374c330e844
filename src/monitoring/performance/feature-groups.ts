import type { FeatureKind } from '../features/feature-spec.js';
import type { FeatureValue } from '../features/extract-rows.js';
import { binIndex, quantileEdges } from '../stats/index.js';

/** The group of rows whose feature is missing (null). */
export const MISSING_GROUP = '(missing)';

/** A numeric feature with at most this many distinct values in the window is grouped by value. */
export const MAX_VALUE_GROUPS = 10;

/** Buckets of a numeric feature with more distinct values: its deciles in the window. */
export const NUMERIC_BUCKETS = 10;

/** One group of a feature: a value, or a bucket `[lower, upper)` of a numeric feature. */
export type FeatureGroup =
  | { readonly kind: 'value'; readonly key: string; readonly value: string }
  | {
      readonly kind: 'bucket';
      readonly key: string;
      /** `[lower, upper)`, the last bucket `[lower, upper]`, at 4 significant digits. */
      readonly bucket: string;
      readonly lower: number;
      readonly upper: number;
    };

/** How the rows of a window are grouped by one feature. */
export interface FeatureGrouping {
  /** Groups in display order: buckets ascending, numbers ascending, text sorted, missing last. */
  readonly groups: readonly FeatureGroup[];
  /** The key of the group a value falls in. */
  groupOf(value: FeatureValue | undefined): string;
}

const short = (value: number): string => String(Number(value.toPrecision(4)));

const byText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Group a window's values of one feature (pure): a categorical feature by value; a numeric one by
 * value when it has at most {@link MAX_VALUE_GROUPS} distinct values (a 0/1 code, a count), else
 * into buckets cut at the deciles of the window's values (`quantileEdges`, numpy's interpolation),
 * so each bucket holds about a tenth of the rows. Missing values form the group `(missing)`;
 * text in a numeric feature (e.g. a hashed field) is grouped by value.
 */
export function groupFeature(
  values: readonly (FeatureValue | undefined)[],
  kind: FeatureKind,
): FeatureGrouping {
  const numbers = kind === 'numeric' ? values.filter((v): v is number => typeof v === 'number') : [];
  const distinct = new Set(numbers);
  let missing = false;
  const texts = new Set<string>();
  for (const value of values) {
    if (value === null || value === undefined) missing = true;
    else if (!(kind === 'numeric' && typeof value === 'number')) texts.add(String(value));
  }
  const tail: FeatureGroup[] = [...texts]
    .sort(byText)
    .map((text) => ({ kind: 'value' as const, key: `v:${text}`, value: text }));
  if (missing) tail.push({ kind: 'value', key: 'missing', value: MISSING_GROUP });
  const textKey = (value: FeatureValue | undefined): string =>
    value === null || value === undefined ? 'missing' : `v:${String(value)}`;

  if (distinct.size <= MAX_VALUE_GROUPS) {
    const numeric: FeatureGroup[] = [...distinct]
      .sort((a, b) => a - b)
      .map((n) => ({ kind: 'value' as const, key: `n:${n}`, value: String(n) }));
    return {
      groups: [...numeric, ...tail],
      groupOf: (value) => (typeof value === 'number' && kind === 'numeric' ? `n:${value}` : textKey(value)),
    };
  }

  const edges = quantileEdges(numbers, NUMERIC_BUCKETS);
  let min = Infinity;
  let max = -Infinity;
  const used = new Set<number>();
  for (const n of numbers) {
    if (n < min) min = n;
    if (n > max) max = n;
    used.add(binIndex(edges, n));
  }
  const buckets: FeatureGroup[] = [];
  for (let index = 0; index <= edges.length; index++) {
    if (!used.has(index)) continue;
    const lower = index === 0 ? min : (edges[index - 1] ?? min);
    const upper = index === edges.length ? max : (edges[index] ?? max);
    const closing = index === edges.length ? ']' : ')';
    buckets.push({
      kind: 'bucket',
      key: `b:${index}`,
      bucket: `[${short(lower)}, ${short(upper)}${closing}`,
      lower,
      upper,
    });
  }
  return {
    groups: [...buckets, ...tail],
    groupOf: (value) => (typeof value === 'number' ? `b:${binIndex(edges, value)}` : textKey(value)),
  };
}

/** The value of a feature in a logged prediction: an input feature, else an output. */
export function featureValueOf(
  record: {
    readonly features: Readonly<Record<string, FeatureValue>>;
    readonly outputs: Readonly<Record<string, FeatureValue>>;
  },
  feature: string,
): FeatureValue | undefined {
  return Object.hasOwn(record.features, feature) ? record.features[feature] : record.outputs[feature];
}
