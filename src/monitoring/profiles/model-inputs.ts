import { allocateElements, toHalfBits, type Datatype, type TensorElements } from '../../core/index.js';
import type { Signature, TensorSpec } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import type { FeatureValue } from '../features/extract-rows.js';
import { holdsMissing } from './reference-values.js';

/** How one input tensor is filled from named feature columns. */
interface InputPlan {
  readonly spec: TensorSpec;
  /** Feature name of each column along the last dimension, or one name for a 1-D tensor of rows. */
  readonly columns: readonly string[];
  /** True when each element is one row's value (a 1-D tensor without feature names). */
  readonly rowsAlongFirst: boolean;
}

/**
 * How to run a version on rows of named features: which feature fills which tensor column, and
 * whether rows go in batches (every input and output has a leading -1) or one run per row.
 */
export type RunPlan =
  | { readonly kind: 'ok'; readonly inputs: readonly InputPlan[]; readonly batched: boolean }
  | { readonly kind: 'impossible'; readonly reason: string };

/**
 * Plan how to assemble input tensors from named feature columns (the names `featuresOf` gives).
 * Impossible when an input is a scalar, of rank above 2, or has a column count neither fixed nor
 * named, or a fixed first dimension other than 1 that rows cannot fill.
 */
export function planRun(signature: Signature): RunPlan {
  const inputs: InputPlan[] = [];
  let batched = [...signature.inputs, ...signature.outputs].every(
    (spec) => spec.shape.length > 0 && spec.shape[0] === -1,
  );
  for (const spec of signature.inputs) {
    const rank = spec.shape.length;
    if (rank === 0 || rank > 2) {
      return {
        kind: 'impossible',
        reason: `input '${spec.name}' has rank ${rank}; only 1-D and 2-D inputs can be filled from columns`,
      };
    }
    if (rank === 1 && spec.features === undefined) {
      if (!batched && spec.shape[0] !== -1 && spec.shape[0] !== 1) {
        return {
          kind: 'impossible',
          reason: `input '${spec.name}' has a fixed length of ${spec.shape[0]} rows`,
        };
      }
      inputs.push({ spec, columns: [spec.name], rowsAlongFirst: true });
      continue;
    }
    const width = rank === 2 ? (spec.shape[1] ?? -1) : (spec.shape[0] ?? -1);
    const count = width >= 0 ? width : spec.features?.length;
    if (count === undefined) {
      return {
        kind: 'impossible',
        reason: `input '${spec.name}' has a dynamic column count and no feature names`,
      };
    }
    if (rank === 1)
      batched = false; // one row of named columns per run
    else if (!batched && spec.shape[0] !== -1 && spec.shape[0] !== 1) {
      return {
        kind: 'impossible',
        reason: `input '${spec.name}' has a fixed batch of ${spec.shape[0]} rows`,
      };
    }
    const columns = Array.from({ length: count }, (_, j) => spec.features?.[j] ?? `${spec.name}[${j}]`);
    inputs.push({ spec, columns, rowsAlongFirst: false });
  }
  return { kind: 'ok', inputs, batched };
}

/** Can a row be fed to the model: no missing value in an input that cannot hold NaN? */
export function isRunnable(
  plan: Extract<RunPlan, { kind: 'ok' }>,
  values: ReadonlyMap<string, readonly FeatureValue[]>,
  row: number,
): boolean {
  for (const input of plan.inputs) {
    if (holdsMissing(input.spec.datatype)) continue;
    for (const name of input.columns) if ((values.get(name)?.[row] ?? null) === null) return false;
  }
  return true;
}

function writeElement(data: TensorElements, datatype: Datatype, index: number, value: FeatureValue): void {
  if (Array.isArray(data)) {
    data[index] = value === null ? '' : String(value);
    return;
  }
  const number =
    value === null
      ? NaN
      : typeof value === 'boolean'
        ? value
          ? 1
          : 0
        : typeof value === 'string'
          ? Number(value)
          : value;
  if (datatype === 'INT64') (data as BigInt64Array)[index] = BigInt(Math.trunc(number));
  else if (datatype === 'UINT64') (data as BigUint64Array)[index] = BigInt(Math.trunc(number));
  else if (datatype === 'FP16') (data as Uint16Array)[index] = toHalfBits(number);
  else if (datatype === 'BOOL') (data as Uint8Array)[index] = number !== 0 ? 1 : 0;
  else (data as Exclude<TensorElements, string[] | BigInt64Array | BigUint64Array>)[index] = number;
}

/**
 * The input tensors of `rows` (row indices into the columns), as `plan` lays them out: `[B]` or
 * `[B, F]` in a batched plan, `[1]`, `[F]` or `[1, F]` for a plan of one row per run.
 */
export function assembleInputs(
  plan: Extract<RunPlan, { kind: 'ok' }>,
  values: ReadonlyMap<string, readonly FeatureValue[]>,
  rows: readonly number[],
): Record<string, RuntimeTensor> {
  const tensors: Record<string, RuntimeTensor> = {};
  for (const input of plan.inputs) {
    const { spec, columns } = input;
    const width = input.rowsAlongFirst ? 1 : columns.length;
    const data = allocateElements(spec.datatype, rows.length * width);
    rows.forEach((row, r) => {
      columns.forEach((name, j) =>
        writeElement(data, spec.datatype, r * width + j, values.get(name)?.[row] ?? null),
      );
    });
    const shape = input.rowsAlongFirst
      ? [rows.length]
      : spec.shape.length === 1
        ? [width]
        : [rows.length, width];
    tensors[spec.name] = { datatype: spec.datatype, shape, data };
  }
  return tensors;
}
