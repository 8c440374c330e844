import { newRequestId, type FerryConfig, type Logger } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import { elementReader, placeOf, type FeatureValue } from '../features/extract-rows.js';
import { cachedFeaturesOf, type FeatureSpec } from '../features/feature-spec.js';
import { monitoringSettingsFor } from '../monitoring-settings.js';
import { FloatPool } from './float-pool.js';
import type { LoggedGroup } from './prediction-record.js';
import type { PredictionStage, StagedTensors } from './prediction-stage.js';
import { Redactor } from './redaction.js';
import { Mark, SegmentColumns, type Column } from './segment-columns.js';

/**
 * Flags stored rows (input validation against the reference profile): reasons by row, for the
 * rows of one model version as stored, after redaction. Reasons are stored: they must not quote
 * values.
 */
export type PredictionFlagger = (columns: SegmentColumns) => ReadonlyMap<number, readonly string[]>;

/** A stored feature of a version: where its values come from and how they are kept. */
interface StoredFeature {
  readonly spec: FeatureSpec;
  /** Numbers read from an FP32 tensor and kept as they are: a float32 column. */
  readonly f32: boolean;
  /** Values pass through the redactor (hashed, or text that may be masked). */
  readonly redacted: boolean;
}

/** How the requests of one model version become columns (made once per version). */
interface VersionPlan {
  readonly signature: Signature;
  readonly redactor: Redactor;
  /** Every feature of the signature (rows are counted over them, as extractRows does). */
  readonly features: readonly FeatureSpec[];
  /** What subscribers may profile (not dropped, not hashed). */
  readonly profiled: readonly FeatureSpec[];
  readonly inputs: readonly StoredFeature[];
  readonly outputs: readonly StoredFeature[];
  /** How many stored features are float32 columns. */
  readonly f32Columns: number;
}

/** What a {@link SegmentBuilder} needs. */
export interface SegmentBuilderOptions {
  readonly config: FerryConfig;
  /** Salt of hashed fields (see loadHashSalt). */
  readonly salt: string;
  readonly logger?: Logger | undefined;
}

/** A column being filled, one value per row. */
interface ColumnFill {
  readonly feature: StoredFeature;
  readonly f32: Float32Array | undefined;
  readonly values: FeatureValue[] | undefined;
  absent: Uint8Array | undefined;
}

/**
 * Turns the prediction log's staged requests into the columns it stores, one
 * {@link SegmentColumns} per model version: named features and outputs read straight from the
 * tensors (numbers of FP32 tensors into float32 columns, no per-row objects), redacted, flagged by
 * input validation. A request of several rows gives rows `<id>#0`, `<id>#1`, …; a request with
 * no readable tensor one row with no features. Runs in the flush, off the hot path.
 */
export class SegmentBuilder {
  private readonly redactors = new Map<string, Redactor>();
  private readonly plans = new Map<string, VersionPlan>();
  private flagger: PredictionFlagger | undefined;
  /** Storage of the float32 columns, reused once the log {@link release}s a flush's groups. */
  private readonly floats = new FloatPool();
  /** The storage behind each handed-out group's float32 columns, until it is released. */
  private readonly floatsOf = new WeakMap<SegmentColumns, Float32Array>();

  constructor(private readonly options: SegmentBuilderOptions) {}

  /** Flag rows before they are stored (input validation); one flagger at a time. */
  useFlagger(flagger: PredictionFlagger | undefined): void {
    this.flagger = flagger;
  }

  /**
   * The staged requests' rows, one group per stage (one model version each). Their float32 columns
   * stay valid until the groups are given to {@link release}.
   */
  toGroups(stages: readonly PredictionStage[]): LoggedGroup[] {
    return stages.map((stage) => {
      const plan = this.planFor(stage);
      const built = build(plan, stage, this.floats);
      const columns = this.flag(built.columns);
      this.floatsOf.set(columns, built.floats);
      let records: LoggedGroup['records'] | undefined;
      return {
        model: columns.model,
        version: columns.version,
        features: plan.profiled,
        columns,
        get records() {
          return (records ??= columns.records());
        },
      };
    });
  }

  /** Nothing reads these groups' columns any more: their float32 storage serves the next flush. */
  release(groups: readonly LoggedGroup[]): void {
    for (const { columns } of groups) {
      const floats = this.floatsOf.get(columns);
      if (floats === undefined) continue;
      this.floatsOf.delete(columns);
      this.floats.give(floats);
    }
  }

  private flag(columns: SegmentColumns): SegmentColumns {
    if (this.flagger === undefined) return columns;
    try {
      return columns.withFlags(this.flagger(columns));
    } catch (error) {
      this.options.logger?.warn(
        { err: error },
        'the prediction flagger failed; the rows are stored unflagged',
      );
      return columns;
    }
  }

  private redactorFor(model: string): Redactor {
    let redactor = this.redactors.get(model);
    if (redactor === undefined) {
      const where =
        this.options.config.monitoring.overrides[model]?.redact === undefined
          ? 'monitoring.redact'
          : `monitoring.overrides.${model}.redact`;
      redactor = new Redactor(
        monitoringSettingsFor(this.options.config, model).redact,
        this.options.salt,
        where,
      );
      this.redactors.set(model, redactor);
    }
    return redactor;
  }

  private planFor(stage: PredictionStage): VersionPlan {
    const key = `${stage.model}\u0000${stage.version}`;
    const known = this.plans.get(key);
    if (known !== undefined && known.signature === stage.signature) return known;
    const { features } = cachedFeaturesOf(stage.signature);
    const redactor = this.redactorFor(stage.model);
    const datatypes = new Map<string, string>();
    for (const spec of stage.signature.inputs) datatypes.set(`input:${spec.name}`, spec.datatype);
    for (const spec of stage.signature.outputs) datatypes.set(`output:${spec.name}`, spec.datatype);
    const stored = (source: FeatureSpec['source']) =>
      features
        .filter((spec) => spec.source === source && redactor.decide(spec.name) !== 'drop')
        .map((spec): StoredFeature => {
          const keep = redactor.decide(spec.name) === 'keep';
          return {
            spec,
            f32: keep && spec.kind === 'numeric' && datatypes.get(`${source}:${spec.tensor}`) === 'FP32',
            redacted: !redactor.isEmpty,
          };
        });
    const inputs = stored('input');
    const outputs = stored('output');
    const plan: VersionPlan = {
      signature: stage.signature,
      redactor,
      features,
      profiled: features.filter((spec) => redactor.decide(spec.name) === 'keep'),
      inputs,
      outputs,
      f32Columns: [...inputs, ...outputs].filter((feature) => feature.f32).length,
    };
    this.plans.set(key, plan);
    return plan;
  }
}

/** The rows of one stage (one version's requests) as columns, and the storage of its float32 columns. */
function build(
  plan: VersionPlan,
  stage: PredictionStage,
  pool: FloatPool,
): { columns: SegmentColumns; floats: Float32Array } {
  const requests = stage.requests;
  const counts = new Int32Array(requests);
  let total = 0;
  for (let request = 0; request < requests; request += 1) {
    counts[request] = stage.rowCount(plan.features, request);
    // A request with no readable row is still logged: one row without features.
    total += Math.max(1, counts[request]!);
  }
  const ids: string[] = [];
  const times = new Float64Array(total);
  const latencies = new Float64Array(total);
  const marks = new Uint8Array(total);
  const callerOf = new Uint32Array(total);
  const codes = new Map<number, string>();
  const flags = new Map<number, readonly string[]>();
  // Every float32 column in one buffer (a thousand small buffers cost more than filling them).
  const floats = pool.take(total * plan.f32Columns);
  let floatColumns = 0;
  const fill = (feature: StoredFeature): ColumnFill => ({
    feature,
    f32: feature.f32 ? floats.subarray(total * floatColumns, total * ++floatColumns) : undefined,
    values: feature.f32 ? undefined : new Array<FeatureValue>(total).fill(null),
    absent: undefined,
  });
  const inputs = plan.inputs.map(fill);
  const outputs = plan.outputs.map(fill);
  const blocks = blocksOf([...inputs, ...outputs]);
  const others = [...inputs, ...outputs].filter(
    (column) => !blocks.handles.has(column) && !fillWholeVector(column, stage, counts, plan.redactor),
  );
  const perRequest = blocks.list.filter((block) => !fillWholeBlock(block, stage, counts, total));
  let base = 0;
  for (let request = 0; request < requests; request += 1) {
    const count = counts[request]!;
    const rows = Math.max(1, count);
    const requestId = stage.requestId(request) ?? newRequestId();
    const error = stage.failed[request] === 1 ? Mark.Error : 0;
    const code = stage.codes.get(request);
    const requestFlags = stage.flags.get(request);
    const mark = error | (requestFlags === undefined ? 0 : Mark.Flagged);
    for (let row = 0; row < rows; row += 1) {
      const at = base + row;
      ids.push(rows === 1 ? requestId : `${requestId}#${row}`);
      times[at] = stage.times[request]!;
      latencies[at] = stage.latencies[request]!;
      marks[at] = mark | (row > 0 ? Mark.LaterRow : 0);
      callerOf[at] = stage.callerOf[request]!;
      if (code !== undefined) codes.set(at, code);
      if (requestFlags !== undefined) flags.set(at, requestFlags);
    }
    // Views of the request's tensors only for the columns not filled for all requests at once.
    if (perRequest.length === 0 && others.length === 0) {
      base += rows;
      continue;
    }
    const staged = stage.tensorsOf(request);
    for (const block of perRequest) {
      if (!fillBlock(block, staged, base, count)) {
        for (const column of block.columns) fillRows(column, staged, base, count, plan.redactor);
      }
    }
    for (const column of others) fillRows(column, staged, base, count, plan.redactor);
    base += rows;
  }
  const finish = (column: ColumnFill): Column => ({
    name: column.feature.spec.name,
    f32: column.f32,
    values: column.values,
    absent: column.absent,
  });
  const columns = new SegmentColumns({
    model: stage.model,
    version: stage.version,
    ids,
    times,
    latencies,
    marks,
    callers: [...stage.callers],
    callerOf,
    codes,
    flags,
    inputs: inputs.map(finish),
    outputs: outputs.map(finish),
  });
  return { columns, floats };
}

/** Float32 columns read from one 2-D FP32 tensor (an input or an output), filled together row by row. */
interface Block {
  readonly output: boolean;
  readonly tensor: string;
  readonly columns: readonly ColumnFill[];
  /** Each column's index in the tensor's last dimension. */
  readonly positions: Int32Array;
  readonly arrays: readonly Float32Array[];
}

function blocksOf(columns: readonly ColumnFill[]): { list: Block[]; handles: Set<ColumnFill> } {
  const byTensor = new Map<string, ColumnFill[]>();
  for (const column of columns) {
    const { spec } = column.feature;
    if (column.f32 === undefined || spec.column === null) continue;
    const key = `${spec.source}:${spec.tensor}`;
    let list = byTensor.get(key);
    if (list === undefined) byTensor.set(key, (list = []));
    list.push(column);
  }
  const list = [...byTensor.values()].map((columns) => ({
    output: columns[0]!.feature.spec.source === 'output',
    tensor: columns[0]!.feature.spec.tensor,
    columns,
    positions: Int32Array.from(columns, (column) => column.feature.spec.column!),
    arrays: columns.map((column) => column.f32!),
  }));
  return { list, handles: new Set(list.flatMap((block) => block.columns)) };
}

/** Rows transposed at a time: a few dozen rows of a wide tensor stay in cache across its columns. */
const TRANSPOSE_ROWS = 64;

/**
 * Fill a block's columns for every request at once, when the stage holds its tensor as one
 * row-major float32 matrix whose rows are exactly the segment's rows (each request brought as many
 * rows as it is logged with): a transpose of the staged array. False otherwise (filled per request).
 */
function fillWholeBlock(block: Block, stage: PredictionStage, counts: Int32Array, total: number): boolean {
  const matrix = stage.matrix(block.output ? 'output' : 'input', block.tensor);
  if (matrix === undefined || !(matrix.data instanceof Float32Array)) return false;
  if (!rowsAreCounts(matrix.rows, counts)) return false;
  const { data, width } = matrix;
  const { positions, arrays } = block;
  for (let first = 0; first < total; first += TRANSPOSE_ROWS) {
    const last = Math.min(total, first + TRANSPOSE_ROWS);
    for (let k = 0; k < positions.length; k += 1) {
      const position = positions[k]!;
      const column = arrays[k]!;
      if (position >= width) {
        column.fill(NaN, first, last);
        continue;
      }
      for (let row = first, index = first * width + position; row < last; row += 1, index += width) {
        column[row] = data[index]!;
      }
    }
  }
  return true;
}

/**
 * Fill a 1-D tensor's column (a whole-tensor feature) for every request at once, when the stage
 * holds that tensor as one vector whose elements are exactly the segment's rows (each request
 * brought as many elements as it is logged with): the rows' values are the elements in order.
 * False otherwise (filled per request by fillRows, which reads the same way).
 */
function fillWholeVector(
  column: ColumnFill,
  stage: PredictionStage,
  counts: Int32Array,
  redactor: Redactor,
): boolean {
  const { spec } = column.feature;
  if (spec.column !== null) return false;
  const vector = stage.vector(spec.source, spec.tensor);
  if (vector === undefined || !rowsAreCounts(vector.lengths, counts)) return false;
  // The vector as one request's tensor whose rows are the segment's rows.
  fillFromTensor(column, vector.tensor, 0, vector.tensor.shape[0]!, redactor);
  return true;
}

/**
 * Does every request bring exactly the rows it is logged with (at least one)? Then a tensor staged
 * for all requests at once holds the segment's rows in order.
 */
function rowsAreCounts(rows: Int32Array, counts: Int32Array): boolean {
  for (let request = 0; request < counts.length; request += 1) {
    const brought = rows[request]!;
    if (brought < 1 || brought !== counts[request]) return false;
  }
  return true;
}

/**
 * Fill a block's columns for one request straight from its 2-D float32 tensor (the common case: one
 * loop over the tensor instead of one pass per feature). False when the tensor is not such a
 * tensor, or holds fewer rows than the request: the columns are then filled one by one.
 */
function fillBlock(block: Block, staged: StagedTensors, base: number, count: number): boolean {
  const tensor = (block.output ? staged.outputs : staged.inputs)?.[block.tensor];
  if (tensor === undefined || !(tensor.data instanceof Float32Array) || tensor.shape.length !== 2)
    return false;
  const width = tensor.shape[1] ?? 0;
  if (count === 0 || (tensor.shape[0] ?? 0) < count) return false; // a request of no rows is logged absent
  const data = tensor.data;
  const { positions, arrays } = block;
  for (let row = 0; row < count; row += 1) {
    const start = row * width;
    for (let k = 0; k < positions.length; k += 1) {
      const position = positions[k]!;
      const index = start + position;
      arrays[k]![base + row] = position < width && index < data.length ? data[index]! : NaN;
    }
  }
  return true;
}

/**
 * Write one request's `count` rows of a column from row `base` on, as extractRows would read them:
 * an input whose tensor is absent is null, an output the request did not ask for is absent, and
 * a request without rows (count 0) has its one row absent.
 */
function fillRows(
  column: ColumnFill,
  staged: StagedTensors,
  base: number,
  count: number,
  redactor: Redactor,
): void {
  const { spec } = column.feature;
  const output = spec.source === 'output';
  const tensor = count === 0 ? undefined : (output ? staged.outputs : staged.inputs)?.[spec.tensor];
  if (tensor === undefined) {
    if (count > 0 && !output) {
      for (let row = 0; row < count; row += 1) setNull(column, base + row);
    } else {
      column.absent ??= new Uint8Array(column.f32?.length ?? column.values!.length);
      column.absent.fill(1, base, base + Math.max(1, count));
    }
    return;
  }
  fillFromTensor(column, tensor, base, count, redactor);
}

/** Fill `count` rows of a column from `base` on with a feature's values in a request's tensor. */
function fillFromTensor(
  column: ColumnFill,
  tensor: RuntimeTensor,
  base: number,
  count: number,
  redactor: Redactor,
): void {
  const { spec } = column.feature;
  const { offset, stride, rows } = placeOf(spec, tensor);
  const f32 = column.f32;
  if (f32 !== undefined && tensor.data instanceof Float32Array) {
    const data = tensor.data;
    for (let row = 0; row < count; row += 1) {
      const index = offset + row * stride;
      f32[base + row] = row < rows && index < data.length ? data[index]! : NaN;
    }
    return;
  }
  const read = elementReader(tensor, spec.kind);
  for (let row = 0; row < count; row += 1) {
    const value = row < rows ? read(offset + row * stride) : null;
    if (f32 !== undefined) f32[base + row] = typeof value === 'number' ? value : NaN;
    else column.values![base + row] = column.feature.redacted ? redactor.value(spec.name, value) : value;
  }
}

function setNull(column: ColumnFill, row: number): void {
  if (column.f32 !== undefined) column.f32[row] = NaN;
  else column.values![row] = null;
}
