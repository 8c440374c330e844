import type { Datatype, TensorElements } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import type { PredictionEvent } from '../../serving/index.js';
import { rowsOfShape, type NamedTensors } from '../features/extract-rows.js';
import type { FeatureSpec } from '../features/feature-spec.js';

/** Tensor data held in a typed array (every datatype but BYTES). */
type NumericElements = Exclude<TensorElements, string[]>;
type NumericArrayConstructor = new (length: number) => NumericElements;

/** Distinct texts one tensor's stage keeps as codes; a tensor bringing more is kept as it is. */
const MAX_TEXTS = 4096;

/** Elements copied by a loop rather than `TypedArray.set` (bigints excepted: reading one allocates). */
const SMALL_COPY = 16;

/** Requests a stage has room for before it first grows. */
const INITIAL_REQUESTS = 64;

/**
 * `array` grown to hold at least `length` items, keeping what it holds (`fill`, a number for number
 * arrays only, in new slots).
 */
function grown<T extends NumericElements>(array: T, length: number, fill = 0): T {
  if (array.length >= length) return array;
  const bigger = new (array.constructor as new (length: number) => T)(Math.max(length, array.length * 2));
  // One native copy of the same element type (typed as Float64Array to cover the bigint arrays too).
  (bigger as Float64Array).set(array as Float64Array);
  if (fill !== 0) (bigger as Float64Array).fill(fill, array.length);
  return bigger;
}

/**
 * The copies of one named tensor across a stage's requests: elements appended to one typed array
 * (texts as codes into a small dictionary) with each request's place and shape, so no per-request
 * object stays alive until the flush. A tensor that does not fit (another datatype or element
 * type, a rank other than 1 or 2, too many distinct texts) is kept as it is.
 */
class TensorStage {
  private numbers: NumericElements | undefined;
  private codes: Uint32Array | undefined;
  private readonly texts: string[] = [];
  private readonly textCodes = new Map<string, number>();
  private used = 0;
  /** Per request: first element (−1: no such tensor), element count, first and second dimension (−1 for rank 1). */
  private start: Int32Array;
  private length: Int32Array;
  private dim0: Int32Array;
  private dim1: Int32Array;
  private kept: Map<number, RuntimeTensor> | undefined;

  constructor(
    private readonly datatype: Datatype,
    private readonly numericType: NumericArrayConstructor | undefined,
    requests: number,
  ) {
    this.start = new Int32Array(requests).fill(-1);
    this.length = new Int32Array(requests);
    this.dim0 = new Int32Array(requests);
    this.dim1 = new Int32Array(requests);
  }

  /** The stage of a tensor's kind, made for the tensor `first`. */
  static for(first: RuntimeTensor, requests: number): TensorStage {
    const data = first.data;
    const numericType = Array.isArray(data) ? undefined : (data.constructor as NumericArrayConstructor);
    return new TensorStage(first.datatype, numericType, requests);
  }

  growRequests(requests: number): void {
    this.start = grown(this.start, requests, -1);
    this.length = grown(this.length, requests);
    this.dim0 = grown(this.dim0, requests);
    this.dim1 = grown(this.dim1, requests);
  }

  /** Empty, keeping the arrays for the next requests (`requests`: how many were staged). */
  reset(requests: number): void {
    this.start.fill(-1, 0, Math.min(requests, this.start.length));
    this.used = 0;
    this.kept = undefined;
    this.texts.length = 0;
    this.textCodes.clear();
  }

  /**
   * The rows of requests 0 … `requests` − 1 as one row-major block, when every one of them brought
   * this tensor as a matrix of the same width (the common case): their elements then follow each
   * other in the staged array. `rows[request]` is each request's first dimension.
   */
  matrix(requests: number): { data: NumericElements; width: number; rows: Int32Array } | undefined {
    if (this.kept !== undefined || this.numbers === undefined || requests === 0) return undefined;
    const width = this.dim1[0]!;
    if (width < 0) return undefined;
    let offset = 0;
    for (let request = 0; request < requests; request += 1) {
      const length = this.length[request]!;
      if (
        this.start[request] !== offset ||
        this.dim1[request] !== width ||
        length !== this.dim0[request]! * width
      )
        return undefined;
      offset += length;
    }
    return { data: this.numbers.subarray(0, offset), width, rows: this.dim0.subarray(0, requests) };
  }

  /**
   * The elements of requests 0 … `requests` − 1 one after the other, when every one of them brought
   * this tensor as a vector (rank 1): a 1-D feature's values for every request's rows at once
   * (texts as strings). `lengths[request]` is each request's length.
   */
  vector(requests: number): { tensor: RuntimeTensor; lengths: Int32Array } | undefined {
    if (this.kept !== undefined || requests === 0) return undefined;
    let offset = 0;
    for (let request = 0; request < requests; request += 1) {
      if (this.start[request] !== offset || this.dim1[request] !== -1) return undefined;
      offset += this.length[request]!;
    }
    if (offset === 0) return undefined;
    const data =
      this.numericType !== undefined
        ? this.numbers!.subarray(0, offset)
        : Array.from(this.codes!.subarray(0, offset), (code) => this.texts[code]!);
    return {
      tensor: { datatype: this.datatype, shape: [offset], data },
      lengths: this.length.subarray(0, requests),
    };
  }

  /** Forget what request `request` put here (a request whose staging failed half way). */
  clear(request: number): void {
    if (request < this.start.length) this.start[request] = -1;
    this.kept?.delete(request);
  }

  add(request: number, tensor: RuntimeTensor): void {
    const { data, shape } = tensor;
    const rank = shape.length;
    const fits =
      (rank === 1 || rank === 2) &&
      tensor.datatype === this.datatype &&
      (Array.isArray(data) ? this.numericType === undefined : data.constructor === this.numericType);
    if (fits && !Array.isArray(data)) {
      this.addNumbers(data);
    } else if (!fits || !this.addTexts(data as readonly string[])) {
      // Another element type, another rank, or more distinct texts than the dictionary takes.
      (this.kept ??= new Map()).set(request, tensor);
      return;
    }
    const count = data.length;
    this.start[request] = this.used - count;
    this.length[request] = count;
    this.dim0[request] = shape[0]!;
    this.dim1[request] = rank === 2 ? shape[1]! : -1;
  }

  /** Append a tensor's elements (of this stage's element type). */
  private addNumbers(data: NumericElements): void {
    const needed = this.used + data.length;
    const numbers = this.numbers;
    // Checked here first: once the stage is reused, the array is almost always big enough.
    if (numbers === undefined || numbers.length < needed) {
      this.numbers = grown(numbers ?? new this.numericType!(Math.max(needed, 64)), needed);
    }
    const target = this.numbers as Float64Array;
    if (data.length <= SMALL_COPY && !(data instanceof BigInt64Array || data instanceof BigUint64Array)) {
      // A few elements (a small model's features): a loop costs less than the native call.
      const source = data as Float64Array;
      for (let k = 0, at = this.used; k < source.length; k += 1, at += 1) target[at] = source[k]!;
    } else target.set(data as Float64Array, this.used); // one native copy
    this.used = needed;
  }

  /** Append a text tensor as codes; false when it brings more distinct texts than MAX_TEXTS allows. */
  private addTexts(data: readonly string[]): boolean {
    const needed = this.used + data.length;
    const codes = (this.codes = grown(this.codes ?? new Uint32Array(64), needed));
    for (let k = 0; k < data.length; k += 1) {
      const text = data[k]!;
      let code = this.textCodes.get(text);
      if (code === undefined) {
        if (this.texts.length >= MAX_TEXTS) return false; // what was written past `used` is ignored
        code = this.texts.push(text) - 1;
        this.textCodes.set(text, code);
      }
      codes[this.used + k] = code;
    }
    this.used = needed;
    return true;
  }

  /** Rank and first dimension of request `request`'s tensor; undefined when it had none here. */
  shapeOf(request: number): { rank: number; first: number | undefined } | undefined {
    const kept = this.kept?.get(request);
    if (kept !== undefined) return { rank: kept.shape.length, first: kept.shape[0] };
    const start = request < this.start.length ? this.start[request]! : -1;
    if (start < 0) return undefined;
    return { rank: this.dim1[request]! < 0 ? 1 : 2, first: this.dim0[request]! };
  }

  /** Request `request`'s tensor as it was handed over (a view of the staged elements). */
  tensor(request: number): RuntimeTensor | undefined {
    const kept = this.kept?.get(request);
    if (kept !== undefined) return kept;
    const start = request < this.start.length ? this.start[request]! : -1;
    if (start < 0) return undefined;
    const end = start + this.length[request]!;
    const dim1 = this.dim1[request]!;
    const shape = dim1 < 0 ? [this.dim0[request]!] : [this.dim0[request]!, dim1];
    if (this.numericType !== undefined) {
      return { datatype: this.datatype, shape, data: this.numbers!.subarray(start, end) };
    }
    const data = new Array<string>(end - start);
    for (let k = start; k < end; k += 1) data[k - start] = this.texts[this.codes![k]!]!;
    return { datatype: this.datatype, shape, data };
  }
}

/** One request's tensors as the builder reads them (views of the stage). */
export interface StagedTensors {
  readonly inputs: NamedTensors | undefined;
  readonly outputs: NamedTensors | undefined;
}

/**
 * The prediction log's buffer for one model version: each recorded request's fields and tensors
 * copied into typed arrays as it arrives. Holding a request object until the flush made every
 * garbage collection copy it (and promote it to the old generation); a stage is a few arrays
 * however many requests it holds. The {@link SegmentBuilder} reads it at the flush.
 */
export class PredictionStage {
  /** Requests staged. */
  requests = 0;
  /** Rows staged (a request counts its rows, at least 1): the buffer's weight. */
  rows = 0;
  times = new Float64Array(INITIAL_REQUESTS);
  latencies = new Float64Array(INITIAL_REQUESTS);
  failed = new Uint8Array(INITIAL_REQUESTS);
  /** Bit 1: the request had inputs; bit 2: it had outputs. */
  private present = new Uint8Array(INITIAL_REQUESTS);
  callerOf = new Uint32Array(INITIAL_REQUESTS);
  readonly callers: string[] = [];
  private readonly callerCodes = new Map<string, number>();
  /**
   * Request ids as UTF-8, one after the other (a string kept per request until the flush costs
   * the garbage collector more than writing its bytes): request r's id starts at `idStarts[r]`
   * (−1 when none was given: the builder makes one).
   */
  private idBytes = Buffer.allocUnsafe(INITIAL_REQUESTS * 40);
  private idStarts = new Int32Array(INITIAL_REQUESTS);
  private idEnds = new Int32Array(INITIAL_REQUESTS);
  private idUsed = 0;
  readonly codes = new Map<number, string>();
  readonly flags = new Map<number, readonly string[]>();
  private readonly inputs = new Map<string, TensorStage>();
  private readonly outputs = new Map<string, TensorStage>();

  constructor(
    readonly model: string,
    readonly version: number,
    readonly signature: Signature,
  ) {}

  /** Copy a request in. */
  add(event: PredictionEvent): void {
    const request = this.requests;
    if (request >= this.times.length) this.grow(request + 1);
    try {
      this.times[request] = event.at;
      this.latencies[request] = Number.isFinite(event.latencyMs) ? event.latencyMs : 0;
      this.failed[request] = event.status === 'error' ? 1 : 0;
      this.present[request] = (event.inputs === undefined ? 0 : 1) | (event.outputs === undefined ? 0 : 2);
      let caller = this.callerCodes.get(event.caller);
      if (caller === undefined) {
        caller = this.callers.push(event.caller) - 1;
        this.callerCodes.set(event.caller, caller);
      }
      this.callerOf[request] = caller;
      this.stageTensors(this.inputs, request, event.inputs);
      this.stageTensors(this.outputs, request, event.outputs);
      if (event.code !== undefined) this.codes.set(request, event.code);
      if (event.flags !== undefined && event.flags.length > 0) this.flags.set(request, event.flags);
      this.stageId(request, event.requestId);
    } catch (error) {
      for (const stage of this.inputs.values()) stage.clear(request);
      for (const stage of this.outputs.values()) stage.clear(request);
      this.codes.delete(request);
      this.flags.delete(request);
      throw error;
    }
    this.requests = request + 1;
    this.rows += Math.max(1, event.rows);
  }

  private stageId(request: number, id: string | undefined): void {
    if (id === undefined) {
      this.idStarts[request] = -1;
      return;
    }
    const needed = this.idUsed + id.length * 3; // at most 3 bytes per UTF-16 unit
    if (needed > this.idBytes.length) {
      const bigger = Buffer.allocUnsafe(Math.max(needed, this.idBytes.length * 2));
      this.idBytes.copy(bigger, 0, 0, this.idUsed);
      this.idBytes = bigger;
    }
    const at = this.idUsed;
    this.idStarts[request] = at;
    // Request ids are ASCII (core/request-id.ts): a byte per character, without a Buffer.write
    // call (a third of the staging time of a small request). Other text is written as UTF-8 over it.
    const bytes = this.idBytes;
    let k = 0;
    for (; k < id.length; k += 1) {
      const code = id.charCodeAt(k);
      if (code > 0x7f) break;
      bytes[at + k] = code;
    }
    this.idUsed = k === id.length ? at + k : at + bytes.write(id, at, 'utf8');
    this.idEnds[request] = this.idUsed;
  }

  /** The request id given with request `request`, undefined when none was. */
  requestId(request: number): string | undefined {
    const start = this.idStarts[request]!;
    return start < 0 ? undefined : this.idBytes.toString('utf8', start, this.idEnds[request]);
  }

  private stageTensors(
    stages: Map<string, TensorStage>,
    request: number,
    tensors: PredictionEvent['inputs'],
  ): void {
    if (tensors === undefined) return;
    for (const name in tensors) {
      const tensor = tensors[name]!;
      let stage = stages.get(name);
      if (stage === undefined) {
        stage = TensorStage.for(tensor, this.times.length);
        stages.set(name, stage);
      }
      stage.add(request, tensor);
    }
  }

  private grow(requests: number): void {
    this.times = grown(this.times, requests);
    this.latencies = grown(this.latencies, requests);
    this.failed = grown(this.failed, requests);
    this.present = grown(this.present, requests);
    this.callerOf = grown(this.callerOf, requests);
    this.idStarts = grown(this.idStarts, requests);
    this.idEnds = grown(this.idEnds, requests);
    for (const stage of this.inputs.values()) stage.growRequests(this.times.length);
    for (const stage of this.outputs.values()) stage.growRequests(this.times.length);
  }

  /** Empty, keeping the arrays: the log reuses a written stage for the version's next requests. */
  reset(): void {
    for (const stage of this.inputs.values()) stage.reset(this.requests);
    for (const stage of this.outputs.values()) stage.reset(this.requests);
    this.requests = 0;
    this.rows = 0;
    this.callers.length = 0;
    this.callerCodes.clear();
    this.idUsed = 0;
    this.codes.clear();
    this.flags.clear();
  }

  /** A 1-D tensor of every request as one vector (see TensorStage.vector), if it is one. */
  vector(
    source: 'input' | 'output',
    name: string,
  ): { tensor: RuntimeTensor; lengths: Int32Array } | undefined {
    return (source === 'input' ? this.inputs : this.outputs).get(name)?.vector(this.requests);
  }

  /** A tensor of every request as one row-major block (see TensorStage.matrix), if it is one. */
  matrix(
    source: 'input' | 'output',
    name: string,
  ): { data: NumericElements; width: number; rows: Int32Array } | undefined {
    return (source === 'input' ? this.inputs : this.outputs).get(name)?.matrix(this.requests);
  }

  /**
   * Request `request`'s rows as `rowCountOf(features, inputs, outputs)` counts them over its tensors
   * (0 when it had none), read from the staged shapes without making views.
   */
  rowCount(features: readonly FeatureSpec[], request: number): number {
    const present = this.present[request]!;
    let outputRows = -1;
    for (const feature of features) {
      const output = feature.source === 'output';
      if ((present & (output ? 2 : 1)) === 0) continue;
      const shape = (output ? this.outputs : this.inputs).get(feature.tensor)?.shapeOf(request);
      if (shape === undefined) continue;
      const rows = rowsOfShape(shape.rank, shape.first, feature.column);
      if (!output) return rows;
      if (outputRows < 0) outputRows = rows;
    }
    return Math.max(0, outputRows);
  }

  /** A request's tensors, as views of what was staged (undefined where the request had none). */
  tensorsOf(request: number): StagedTensors {
    const present = this.present[request]!;
    return {
      inputs: (present & 1) === 0 ? undefined : viewsOf(this.inputs, request),
      outputs: (present & 2) === 0 ? undefined : viewsOf(this.outputs, request),
    };
  }
}

function viewsOf(stages: ReadonlyMap<string, TensorStage>, request: number): NamedTensors {
  const views: Record<string, RuntimeTensor> = {};
  for (const [name, stage] of stages) {
    const tensor = stage.tensor(request);
    if (tensor !== undefined) views[name] = tensor;
  }
  return views;
}

/** Events staged by model version, in order of each version's first event (tests and tools). */
export function stagesOf(events: readonly PredictionEvent[]): PredictionStage[] {
  const stages = new Map<string, PredictionStage>();
  for (const event of events) {
    const key = `${event.model}\u0000${event.version}`;
    let stage = stages.get(key);
    if (stage === undefined) {
      stage = new PredictionStage(event.model, event.version, event.signature);
      stages.set(key, stage);
    }
    stage.add(event);
  }
  return [...stages.values()];
}
