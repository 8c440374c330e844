import { FerryError, type Datatype } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import { extractRows, type FeatureValue } from '../features/extract-rows.js';
import { featuresOf, type FeatureSpec } from '../features/feature-spec.js';
import { CategoricalProfile, NumericProfile } from '../stats/index.js';
import { assembleInputs, isRunnable, planRun } from './model-inputs.js';
import type { DatasetTable } from './reference-dataset.js';
import { cellValue } from './reference-values.js';
import { VersionProfile, type FeatureProfile } from './version-profile.js';

/** Runs the version's model: named inputs in, the named outputs asked for out (a runtime session's `run`). */
export type ModelRunner = (
  inputs: Readonly<Record<string, RuntimeTensor>>,
  outputNames: readonly string[],
) => Promise<Record<string, RuntimeTensor>>;

/** Rows per model run while profiling the outputs of a reference dataset. */
export const REFERENCE_BATCH_ROWS = 256;

/** A reference profile as built, with what was left out. */
export interface BuiltReference {
  readonly profile: VersionProfile;
  /** Rows of the dataset. */
  readonly rows: number;
  /** Dataset columns that are not an input feature of the version (ignored). */
  readonly ignoredColumns: readonly string[];
  /** Why something was not profiled: ignored columns, outputs not computed, rows not run. */
  readonly notes: readonly string[];
}

export interface ReferenceBuildInput {
  readonly signature: Signature;
  readonly table: DatasetTable;
  /** Runs the model to profile its outputs; without it only inputs are profiled. */
  readonly run?: ModelRunner | undefined;
  /** Rows per run (default {@link REFERENCE_BATCH_ROWS}). */
  readonly batchRows?: number | undefined;
}

/** The datatype of the tensor a feature is read from. */
function datatypeOf(signature: Signature, feature: FeatureSpec): Datatype {
  const specs = feature.source === 'input' ? signature.inputs : signature.outputs;
  return specs.find((spec) => spec.name === feature.tensor)?.datatype ?? 'FP64';
}

function profileOf(feature: FeatureSpec, values: readonly FeatureValue[]): FeatureProfile {
  if (feature.kind === 'numeric') {
    return {
      kind: 'numeric',
      source: feature.source,
      profile: NumericProfile.fromValues(values.map((value) => (typeof value === 'number' ? value : null))),
    };
  }
  return { kind: 'categorical', source: feature.source, profile: CategoricalProfile.fromValues(values) };
}

/** Let requests waiting on the event loop through between the steps of a large dataset. */
const yieldToLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Type every input column of the dataset; INVALID_DATASET naming the feature columns it lacks. */
async function inputColumns(
  signature: Signature,
  inputs: readonly FeatureSpec[],
  table: DatasetTable,
): Promise<Map<string, FeatureValue[]>> {
  const absent = inputs.filter((feature) => table.column(feature.name) === undefined);
  if (absent.length > 0) {
    throw new FerryError(
      'INVALID_DATASET',
      `the reference dataset has no column for feature${absent.length === 1 ? '' : 's'} ${absent
        .map((feature) => `'${feature.name}'`)
        .join(
          ', ',
        )}; its columns are ${table.columns.map((name) => `'${name}'`).join(', ') || '(none)'}. Name the columns like the version's features (\`ferry models show NAME:VERSION\`)`,
    );
  }
  const columns = new Map<string, FeatureValue[]>();
  for (const feature of inputs) {
    const cells = table.column(feature.name) ?? [];
    const datatype = datatypeOf(signature, feature);
    columns.set(
      feature.name,
      cells.map((cell, row) =>
        cellValue(feature.kind, datatype, cell, () => ({ column: feature.name, where: table.where(row) })),
      ),
    );
    await yieldToLoop();
  }
  return columns;
}

/** Run the model over every runnable row and collect its output features (null for rows not run). */
async function outputColumns(
  signature: Signature,
  outputs: readonly FeatureSpec[],
  inputs: ReadonlyMap<string, FeatureValue[]>,
  rowCount: number,
  run: ModelRunner,
  batchRows: number,
  notes: string[],
): Promise<Map<string, FeatureValue[]> | undefined> {
  const plan = planRun(signature);
  if (plan.kind === 'impossible') {
    notes.push(`outputs not profiled: ${plan.reason}`);
    return undefined;
  }
  const columns = new Map(
    outputs.map((feature) => [feature.name, new Array<FeatureValue>(rowCount).fill(null)]),
  );
  const outputNames = [...new Set(outputs.map((feature) => feature.tensor))];
  const runnable: number[] = [];
  for (let row = 0; row < rowCount; row++) if (isRunnable(plan, inputs, row)) runnable.push(row);
  if (runnable.length < rowCount) {
    notes.push(
      `${rowCount - runnable.length} rows have a missing value in an input that cannot hold one (integer, boolean or text); their outputs are counted as missing`,
    );
  }
  const step = plan.batched ? Math.max(1, batchRows) : 1;
  for (let start = 0; start < runnable.length; start += step) {
    const rows = runnable.slice(start, start + step);
    const produced = await run(assembleInputs(plan, inputs, rows), outputNames);
    const extracted = extractRows(outputs, undefined, produced);
    rows.forEach((row, i) => {
      const values = extracted[i]?.outputs ?? {};
      for (const feature of outputs) columns.get(feature.name)![row] = values[feature.name] ?? null;
    });
    // A large dataset runs in many batches: let requests waiting on the event loop through.
    if (start + step < runnable.length) await yieldToLoop();
  }
  return columns;
}

/**
 * Build the reference profile of a version from a reference dataset (its training or validation
 * data): each input feature is read from the column of the same name and profiled; then the model
 * runs over the rows (in batches of {@link REFERENCE_BATCH_ROWS} when it batches, else one row per
 * run) and each output feature is profiled from what it gives, so the reference also holds the
 * distribution of every output. Numeric histograms are cut at the reference's own deciles.
 *
 * Columns that are no input feature are ignored (and listed); a missing input column is
 * INVALID_DATASET naming it. Outputs are left out (with a note) when the inputs cannot be assembled
 * from columns (rank > 2, unnamed dynamic columns) or no runner is given.
 */
export async function buildReferenceProfile(input: ReferenceBuildInput): Promise<BuiltReference> {
  const { signature, table } = input;
  const { features, skipped } = featuresOf(signature);
  const inputFeatures = features.filter((feature) => feature.source === 'input');
  const outputFeatures = features.filter((feature) => feature.source === 'output');
  const notes: string[] = [];
  const known = new Set(inputFeatures.map((feature) => feature.name));
  const ignoredColumns = table.columns.filter((name) => !known.has(name));
  if (ignoredColumns.length > 0) {
    notes.push(
      `columns ignored (no input feature of the version has their name; outputs are computed by running the model): ${ignoredColumns.join(', ')}`,
    );
  }
  for (const tensor of skipped)
    notes.push(`${tensor.source} '${tensor.tensor}' not profiled: ${tensor.reason}`);
  const inputs = await inputColumns(signature, inputFeatures, table);
  let outputs: Map<string, FeatureValue[]> | undefined;
  if (outputFeatures.length > 0) {
    if (input.run === undefined) notes.push('outputs not profiled: no runtime was given to run the model');
    else {
      outputs = await outputColumns(
        signature,
        outputFeatures,
        inputs,
        table.rowCount,
        input.run,
        input.batchRows ?? REFERENCE_BATCH_ROWS,
        notes,
      );
    }
  }
  const entries: [string, FeatureProfile][] = [];
  const profiled = [
    ...inputFeatures.map((feature) => ({ feature, values: inputs.get(feature.name) })),
    ...(outputs === undefined
      ? []
      : outputFeatures.map((feature) => ({ feature, values: outputs.get(feature.name) }))),
  ];
  for (const { feature, values } of profiled) {
    entries.push([feature.name, profileOf(feature, values ?? [])]);
    await yieldToLoop();
  }
  return { profile: VersionProfile.of(entries), rows: table.rowCount, ignoredColumns, notes };
}
