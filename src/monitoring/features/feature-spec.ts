import type { Datatype } from '../../core/index.js';
import type { FeatureKind, Signature, TensorSpec } from '../../registry/index.js';

export type { FeatureKind } from '../../registry/index.js';

/**
 * One named column of a version's inputs or outputs, as monitoring sees it: where its values come
 * from (`tensor`, and `column` along the last dimension, or null for a 1-D tensor whose elements are
 * the rows) and how it is profiled.
 */
export interface FeatureSpec {
  readonly name: string;
  readonly kind: FeatureKind;
  readonly source: 'input' | 'output';
  readonly tensor: string;
  /** Column along the last dimension; null when each element of a 1-D tensor is one row's value. */
  readonly column: number | null;
}

/** A tensor monitoring does not profile, and why. */
export interface SkippedTensor {
  readonly source: 'input' | 'output';
  readonly tensor: string;
  readonly reason: string;
}

/** The features of one version: what is profiled and logged by name, and what is left out. */
export interface FeatureSet {
  /** Input features first (in signature order), then output features. */
  readonly features: readonly FeatureSpec[];
  readonly skipped: readonly SkippedTensor[];
}

const CATEGORICAL_DATATYPES: ReadonlySet<Datatype> = new Set(['BYTES', 'BOOL']);

/** The default kind of a column: text and booleans are categories, numbers are numbers. */
function defaultKind(datatype: Datatype): FeatureKind {
  return CATEGORICAL_DATATYPES.has(datatype) ? 'categorical' : 'numeric';
}

function inputFeatures(spec: TensorSpec, out: FeatureSpec[], skipped: SkippedTensor[]): void {
  const kindAt = (index: number): FeatureKind => spec.featureKinds?.[index] ?? defaultKind(spec.datatype);
  const base = { source: 'input' as const, tensor: spec.name };
  if (spec.shape.length === 1 && spec.features === undefined) {
    out.push({ ...base, name: spec.name, kind: kindAt(0), column: null });
    return;
  }
  if (spec.shape.length === 1 || spec.shape.length === 2) {
    const names = columnNames(spec, spec.features, (j) => `${spec.name}[${j}]`);
    if (names === undefined) {
      skipped.push({ ...base, reason: 'its column count is dynamic and it has no feature names' });
      return;
    }
    names.forEach((name, column) => out.push({ ...base, name, kind: kindAt(column), column }));
    return;
  }
  skipped.push({ ...base, reason: `rank ${spec.shape.length} tensors are not profiled (only 1-D and 2-D)` });
}

function outputFeatures(spec: TensorSpec, out: FeatureSpec[], skipped: SkippedTensor[]): void {
  const base = { source: 'output' as const, tensor: spec.name };
  if (spec.shape.length === 1 && spec.labels === undefined && spec.features === undefined) {
    // A class label (text or INT64 index) is a category; any other 1-D output is a value.
    const kind =
      spec.featureKinds?.[0] ?? (spec.datatype === 'INT64' ? 'categorical' : defaultKind(spec.datatype));
    out.push({ ...base, name: spec.name, kind, column: null });
    return;
  }
  if (spec.shape.length === 1 || spec.shape.length === 2) {
    const names = columnNames(spec, spec.labels ?? spec.features, (j) => String(j));
    if (names === undefined) {
      skipped.push({ ...base, reason: 'its column count is dynamic and it has no labels' });
      return;
    }
    // Columns of an output (class scores, regression targets) are numbers unless declared otherwise.
    names.forEach((label, column) =>
      out.push({
        ...base,
        name: `${spec.name}[${label}]`,
        kind: spec.featureKinds?.[column] ?? defaultKind(spec.datatype),
        column,
      }),
    );
    return;
  }
  skipped.push({
    ...base,
    reason:
      spec.shape.length === 0
        ? 'a scalar output is not one value per row'
        : `rank ${spec.shape.length} tensors are not profiled (only 1-D and 2-D)`,
  });
}

/** Names of the columns along the last dimension: given, or made up when the size is fixed. */
function columnNames(
  spec: TensorSpec,
  given: readonly string[] | undefined,
  unnamed: (column: number) => string,
): readonly string[] | undefined {
  if (given !== undefined) return given;
  const last = spec.shape[spec.shape.length - 1] ?? -1;
  if (last < 0) return undefined;
  return Array.from({ length: last }, (_, column) => unnamed(column));
}

/**
 * The features of a version, from its signature:
 *
 * - an input `[N, F]` gives F features, named by the signature's `features` or `<input>[j]`;
 * - a 1-D input `[N]` gives one feature named after the input (each element is a row); a 1-D input
 *   with `features` names is one row of named columns;
 * - an output with `labels` gives one numeric feature per class, `<output>[<label>]`; a 2-D output
 *   without labels gives `<output>[j]`; a 1-D output gives one feature named after it, categorical
 *   for BYTES, BOOL and INT64 (a class label), numeric otherwise;
 * - inputs of rank 0 or above 2 are listed in `skipped`, and so are outputs.
 *
 * BYTES and BOOL columns are categorical, numeric datatypes numeric, unless the signature's
 * `featureKinds` says otherwise. A name used twice keeps its first column.
 */
export function featuresOf(signature: Signature): FeatureSet {
  const features: FeatureSpec[] = [];
  const skipped: SkippedTensor[] = [];
  for (const spec of signature.inputs) {
    if (spec.shape.length === 0) {
      skipped.push({ source: 'input', tensor: spec.name, reason: 'a scalar input is not one value per row' });
    } else inputFeatures(spec, features, skipped);
  }
  for (const spec of signature.outputs) outputFeatures(spec, features, skipped);
  const seen = new Set<string>();
  return {
    features: features.filter((feature) => !seen.has(feature.name) && seen.add(feature.name)),
    skipped,
  };
}

const cache = new WeakMap<Signature, FeatureSet>();

/** {@link featuresOf}, remembered per signature object (versions are immutable). */
export function cachedFeaturesOf(signature: Signature): FeatureSet {
  let set = cache.get(signature);
  if (set === undefined) {
    set = featuresOf(signature);
    cache.set(signature, set);
  }
  return set;
}
