import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { FerryError } from '../../core/index.js';
import { shortFloat32, type FeatureValue } from '../features/extract-rows.js';
import { valueAt, type SegmentColumns } from '../log/segment-columns.js';
import type { FeatureKind, FeatureSpec } from '../features/feature-spec.js';
import { binIndex, CategoricalProfile, NumericProfile } from '../stats/index.js';

/** Where a profiled feature comes from: a model input, or a model output. */
export type FeatureSource = FeatureSpec['source'];

/** The profile of one feature or output, with its kind. */
export type FeatureProfile =
  | {
      readonly kind: 'numeric';
      readonly source: FeatureSource;
      readonly profile: NumericProfile;
    }
  | {
      readonly kind: 'categorical';
      readonly source: FeatureSource;
      readonly profile: CategoricalProfile;
    };

/** Schema of {@link VersionProfileJson}; `VersionProfile.fromJSON` checks stored JSON with it. */
export const VersionProfileJsonSchema = Type.Object(
  {
    version: Type.Literal(1),
    /** In feature order: inputs (signature order), then outputs. */
    features: Type.Array(
      Type.Object(
        {
          name: Type.String(),
          source: Type.Union([Type.Literal('input'), Type.Literal('output')]),
          /** A NumericProfileJson or CategoricalProfileJson (checked by their own `fromJSON`). */
          profile: Type.Unknown(),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

/** Plain-JSON form of a {@link VersionProfile}, for a database text column. */
export type VersionProfileJson = Static<typeof VersionProfileJsonSchema>;

/** One logged row as a profile reads it: input features and outputs by name. */
export interface ProfiledRow {
  readonly features: Readonly<Record<string, FeatureValue>>;
  readonly outputs: Readonly<Record<string, FeatureValue>>;
}

const emptyOfKind = (kind: FeatureKind, source: FeatureSource): FeatureProfile =>
  kind === 'numeric'
    ? { kind, source, profile: new NumericProfile() }
    : { kind, source, profile: new CategoricalProfile() };

/**
 * The profile of one model version: a mergeable sketch per input feature and per output
 * (see NumericProfile and CategoricalProfile for what each keeps and their error bounds). The
 * reference profile is built from a reference dataset; live profiles of the same version reuse its
 * histogram edges and category cap (`VersionProfile.emptyFor(features, reference)`), so they
 * compare bin for bin and merge across replicas and windows as one stream would.
 *
 * `add` mutates; `merge` returns a new profile and leaves both inputs unchanged.
 */
export class VersionProfile {
  /** `byName`'s entries as an array, for the per-row loops. */
  private readonly entries: readonly (readonly [string, FeatureProfile])[];

  private constructor(private readonly byName: Map<string, FeatureProfile>) {
    this.entries = [...byName];
  }

  /** Profiles by name, in feature order (inputs, then outputs). */
  get features(): ReadonlyMap<string, FeatureProfile> {
    return this.byName;
  }

  /** The profile of one feature or output, or undefined. */
  feature(name: string): FeatureProfile | undefined {
    return this.byName.get(name);
  }

  /**
   * An empty profile of `features`. A feature the `layout` profile (the reference) has with the
   * same kind takes its histogram edges and category cap (`emptyLike`); the others get one
   * histogram bin and the default cap.
   */
  static emptyFor(features: readonly FeatureSpec[], layout?: VersionProfile): VersionProfile {
    const byName = new Map<string, FeatureProfile>();
    for (const spec of features) byName.set(spec.name, emptyLike(layout?.feature(spec.name), spec));
    return new VersionProfile(byName);
  }

  /** A profile of the given feature profiles (in the order given). */
  static of(entries: Iterable<readonly [string, FeatureProfile]>): VersionProfile {
    return new VersionProfile(new Map(entries));
  }

  /** Add one row: inputs from `row.features`, outputs from `row.outputs`; absent values are missing. */
  add(row: ProfiledRow): void {
    for (const [name, entry] of this.byName) {
      const value = (entry.source === 'input' ? row.features : row.outputs)[name];
      if (entry.kind === 'numeric') entry.profile.add(typeof value === 'number' ? value : null);
      else entry.profile.add(value);
    }
  }

  /**
   * Add rows of the prediction log's columns, as {@link add} would add each row's features and
   * outputs (float32 columns read as stored: the shortest decimal of the float32).
   */
  addColumns(columns: SegmentColumns, rows: readonly number[]): void {
    for (const [name, entry] of this.entries) {
      const column = columns.column(name, entry.source);
      if (entry.kind === 'categorical') {
        for (const row of rows) entry.profile.add(column === undefined ? undefined : valueAt(column, row));
        continue;
      }
      const profile = entry.profile;
      const f32 = column?.f32;
      if (f32 !== undefined && column?.absent === undefined) {
        profile.addFloat32Rows(f32, rows, shortFloat32);
        continue;
      }
      for (const row of rows) {
        const value = column === undefined ? undefined : valueAt(column, row);
        profile.add(typeof value === 'number' ? value : null);
      }
    }
  }

  /** Add features this profile lacks (empty, laid out like `layout`); keeps the existing ones. */
  withFeatures(features: readonly FeatureSpec[], layout?: VersionProfile): VersionProfile {
    if (features.every((spec) => this.byName.has(spec.name))) return this;
    const byName = new Map(this.byName);
    for (const spec of features) {
      if (!byName.has(spec.name)) byName.set(spec.name, emptyLike(layout?.feature(spec.name), spec));
    }
    return new VersionProfile(byName);
  }

  /**
   * This profile with every numeric histogram recut at the edges `layout` has for the same feature
   * (no change where they already agree, or where `layout` lacks the feature or its kind differs).
   * A recut histogram counts each value by its sketch bin's representative, so it is exact up to
   * the sketch's relative accuracy α: a value within α of an edge may land in the next bin.
   * Counts, min/max, mean, variance, quantiles and categories are unchanged.
   */
  rebinnedTo(layout: VersionProfile): VersionProfile {
    let changed = false;
    const byName = new Map<string, FeatureProfile>();
    for (const [name, entry] of this.byName) {
      const target = layout.feature(name);
      if (entry.kind === 'numeric' && target?.kind === 'numeric') {
        const profile = rebinNumeric(entry.profile, target.profile.edges);
        changed ||= profile !== entry.profile;
        byName.set(name, { ...entry, profile });
      } else byName.set(name, entry);
    }
    return changed ? new VersionProfile(byName) : this;
  }

  /** Do the numeric histograms of this profile and `layout` share their edges (where both have the feature)? */
  sharesEdgesWith(layout: VersionProfile): boolean {
    for (const [name, entry] of this.byName) {
      const target = layout.feature(name);
      if (entry.kind === 'numeric' && target?.kind === 'numeric') {
        if (!sameEdges(entry.profile.edges, target.profile.edges)) return false;
      }
    }
    return true;
  }

  /**
   * A new profile of both inputs' rows, feature by feature; a feature only one side has is kept
   * as it is. Numeric features must share their edges (see {@link rebinnedTo}).
   */
  merge(other: VersionProfile): VersionProfile {
    const byName = new Map<string, FeatureProfile>();
    for (const [name, entry] of this.byName) {
      const theirs = other.byName.get(name);
      byName.set(name, theirs === undefined ? entry : mergeFeature(name, entry, theirs));
    }
    for (const [name, entry] of other.byName) if (!byName.has(name)) byName.set(name, entry);
    return new VersionProfile(byName);
  }

  /** Merge any number of profiles; undefined for none. */
  static mergeAll(profiles: readonly VersionProfile[]): VersionProfile | undefined {
    const [first, ...rest] = profiles;
    return first === undefined ? undefined : rest.reduce((merged, profile) => merged.merge(profile), first);
  }

  /** Plain JSON for storage. */
  toJSON(): VersionProfileJson {
    return {
      version: 1,
      features: [...this.byName].map(([name, entry]) => ({
        name,
        source: entry.source,
        profile: entry.profile.toJSON(),
      })),
    };
  }

  /** Rebuild a profile from stored JSON (an object, or its text); INVALID_ARGUMENT when malformed. */
  static fromJSON(json: unknown): VersionProfile {
    const value: unknown = typeof json === 'string' ? parseJson(json) : json;
    if (!Value.Check(VersionProfileJsonSchema, value)) {
      const first = Value.Errors(VersionProfileJsonSchema, value).First();
      throw new FerryError(
        'INVALID_ARGUMENT',
        `stored version profile is malformed at '${first?.path ?? ''}' (${first?.message ?? 'unknown'}); rebuild it from the reference data`,
      );
    }
    const byName = new Map<string, FeatureProfile>();
    for (const { name, source, profile } of value.features) {
      const kind = (profile as { kind?: unknown }).kind;
      byName.set(
        name,
        kind === 'numeric'
          ? { kind, source, profile: NumericProfile.fromJSON(profile) }
          : { kind: 'categorical', source, profile: CategoricalProfile.fromJSON(profile) },
      );
    }
    return new VersionProfile(byName);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `stored version profile is not JSON: ${(error as Error).message}`,
    );
  }
}

function emptyLike(reference: FeatureProfile | undefined, spec: FeatureSpec): FeatureProfile {
  if (reference?.kind === 'numeric' && spec.kind === 'numeric') {
    return { kind: 'numeric', source: spec.source, profile: reference.profile.emptyLike() };
  }
  if (reference?.kind === 'categorical' && spec.kind === 'categorical') {
    return { kind: 'categorical', source: spec.source, profile: reference.profile.emptyLike() };
  }
  return emptyOfKind(spec.kind, spec.source);
}

function mergeFeature(name: string, a: FeatureProfile, b: FeatureProfile): FeatureProfile {
  if (a.kind === 'numeric' && b.kind === 'numeric') return { ...a, profile: a.profile.merge(b.profile) };
  if (a.kind === 'categorical' && b.kind === 'categorical')
    return { ...a, profile: a.profile.merge(b.profile) };
  throw new FerryError(
    'INVALID_ARGUMENT',
    `feature '${name}' is ${a.kind} in one profile and ${b.kind} in the other; they cannot be merged`,
  );
}

function sameEdges(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((edge, i) => edge === b[i]);
}

/** `profile` with its histogram recut at `edges` from its sketch bins (itself when the edges agree). */
export function rebinNumeric(profile: NumericProfile, edges: readonly number[]): NumericProfile {
  if (sameEdges(profile.edges, edges)) return profile;
  const counts = new Array<number>(edges.length + 1).fill(0);
  for (const bin of profile.sketchBins()) {
    const index = binIndex(edges, bin.value);
    counts[index] = (counts[index] ?? 0) + bin.weight;
  }
  return NumericProfile.fromJSON({ ...profile.toJSON(), edges: [...edges], counts });
}
