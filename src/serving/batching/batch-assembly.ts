import type { TensorElements } from '../../core/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';

/** Named tensors of one request or one batch. */
export type Tensors = Readonly<Record<string, RuntimeTensor>>;

/** Rows of a request: the size of the leading (batch) dimension its inputs share. */
export function rowsOf(inputs: Tensors): number {
  const first = Object.values(inputs)[0];
  return first?.shape[0] ?? 0;
}

/** Can these two requests share a batch: same inputs, datatypes and shapes but for dimension 0? */
export function sameInnerShapes(a: Tensors, b: Tensors): boolean {
  const names = Object.keys(a);
  if (names.length !== Object.keys(b).length) return false;
  return names.every((name) => {
    const x = a[name];
    const y = b[name];
    return (
      x !== undefined &&
      y !== undefined &&
      x.datatype === y.datatype &&
      x.shape.length === y.shape.length &&
      x.shape.every((dim, axis) => axis === 0 || dim === y.shape[axis])
    );
  });
}

function concatElements(parts: readonly TensorElements[]): TensorElements {
  const first = parts[0]!;
  if (Array.isArray(first)) return (parts as readonly string[][]).flat();
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const Constructor = first.constructor as new (length: number) => Exclude<TensorElements, string[]>;
  const out = new Constructor(total);
  let offset = 0;
  for (const part of parts as readonly Exclude<TensorElements, string[]>[]) {
    (out as Float32Array).set(part as Float32Array, offset);
    offset += part.length;
  }
  return out;
}

/** Concatenate requests' inputs along dimension 0 (the caller checked sameInnerShapes). */
export function concatInputs(requests: readonly Tensors[]): Tensors {
  if (requests.length === 1) return requests[0]!;
  const batch: Record<string, RuntimeTensor> = {};
  for (const name of Object.keys(requests[0]!)) {
    const tensors = requests.map((inputs) => inputs[name]!);
    const rows = tensors.reduce((sum, tensor) => sum + (tensor.shape[0] ?? 0), 0);
    batch[name] = {
      datatype: tensors[0]!.datatype,
      shape: [rows, ...tensors[0]!.shape.slice(1)],
      data: concatElements(tensors.map((tensor) => tensor.data)),
    };
  }
  return batch;
}

function sliceElements(data: TensorElements, start: number, end: number): TensorElements {
  // A copy, not a view: each request's outputs own their buffers (they may be transferred or cached).
  return data.slice(start, end);
}

/** Split a batch's outputs back per request, by the rows each request contributed. */
export function splitOutputs(outputs: Tensors, rowCounts: readonly number[]): Tensors[] {
  if (rowCounts.length === 1) return [outputs];
  const parts: Record<string, RuntimeTensor>[] = rowCounts.map(() => ({}));
  for (const [name, tensor] of Object.entries(outputs)) {
    const rowSize = tensor.shape.slice(1).reduce((product, dim) => product * dim, 1);
    let row = 0;
    rowCounts.forEach((rows, index) => {
      parts[index]![name] = {
        datatype: tensor.datatype,
        shape: [rows, ...tensor.shape.slice(1)],
        data: sliceElements(tensor.data, row * rowSize, (row + rows) * rowSize),
      };
      row += rows;
    });
  }
  return parts;
}
