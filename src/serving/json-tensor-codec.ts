import {
  INTEGER_RANGES,
  allocateElements,
  fromHalfBits,
  toHalfBits,
  type Datatype,
  type TensorElements,
} from '../core/index.js';
import { FerryError } from '../core/index.js';
import type { RuntimeTensor } from '../runtime/index.js';

/** Largest finite IEEE half; larger magnitudes would silently become infinity. */
const FP16_MAX = 65504;

/** Writes one JSON element into typed storage, or returns a reason it cannot. */
type ElementWriter = (target: TensorElements, index: number, value: unknown) => string | undefined;

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function integerWriter(datatype: Datatype): ElementWriter {
  const [min, max] = INTEGER_RANGES[datatype] ?? [0n, 0n];
  if (datatype === 'INT64' || datatype === 'UINT64') {
    // Compare as bigint: Number(2n ** 63n - 1n) rounds up to 2 ** 63, which would wrap on store.
    return (target, index, value) => {
      if (typeof value !== 'number' || !Number.isInteger(value))
        return `${describe(value)} is not an integer`;
      const big = BigInt(value);
      if (big < min || big > max) return `${value} is outside the range of ${datatype}`;
      (target as BigInt64Array | BigUint64Array)[index] = big;
      return undefined;
    };
  }
  const lo = Number(min);
  const hi = Number(max);
  return (target, index, value) => {
    if (typeof value !== 'number' || !Number.isInteger(value)) return `${describe(value)} is not an integer`;
    if (value < lo || value > hi) return `${value} is outside the range of ${datatype}`;
    (target as Int32Array)[index] = value;
    return undefined;
  };
}

function writerFor(datatype: Datatype): ElementWriter {
  switch (datatype) {
    case 'BOOL':
      return (target, index, value) => {
        if (typeof value !== 'boolean') return `${describe(value)} is not a boolean`;
        (target as Uint8Array)[index] = value ? 1 : 0;
        return undefined;
      };
    case 'FP32':
    case 'FP64':
      return (target, index, value) => {
        if (typeof value !== 'number') return `${describe(value)} is not a number`;
        (target as Float32Array)[index] = value;
        return undefined;
      };
    case 'FP16':
      return (target, index, value) => {
        if (typeof value !== 'number') return `${describe(value)} is not a number`;
        if (Math.abs(value) > FP16_MAX) return `${value} is outside the range of FP16 (±${FP16_MAX})`;
        (target as Uint16Array)[index] = toHalfBits(value);
        return undefined;
      };
    case 'BYTES':
      return (target, index, value) => {
        if (typeof value !== 'string') return `${describe(value)} is not a string`;
        (target as string[])[index] = value;
        return undefined;
      };
    case 'UINT8':
    case 'UINT16':
    case 'UINT32':
    case 'UINT64':
    case 'INT8':
    case 'INT16':
    case 'INT32':
    case 'INT64':
      return integerWriter(datatype);
  }
}

/** Count the leaf elements of flat or nested JSON data without copying it. */
function countLeaves(data: readonly unknown[]): number {
  let count = 0;
  for (const item of data) count += Array.isArray(item) ? countLeaves(item as unknown[]) : 1;
  return count;
}

/**
 * Convert the `data` of a JSON tensor (flat or nested, row-major) into typed storage. The caller has
 * already checked the datatype and shape; this checks the element count and every element's type.
 */
export function decodeJsonData(
  name: string,
  datatype: Datatype,
  shape: readonly number[],
  data: unknown,
): TensorElements {
  if (!Array.isArray(data)) {
    throw new FerryError('INVALID_TENSOR_DATA', `input '${name}' data must be a JSON array (flat or nested)`);
  }
  const expected = shape.reduce((product, dim) => product * dim, 1);
  const actual = countLeaves(data);
  if (actual !== expected) {
    throw new FerryError(
      'DATA_LENGTH_MISMATCH',
      `input '${name}' has ${actual} data elements but its shape [${shape.join(',')}] needs ${expected}`,
    );
  }
  const target = allocateElements(datatype, expected);
  const write = writerFor(datatype);
  let index = 0;
  const visit = (items: readonly unknown[]): void => {
    for (const item of items) {
      if (Array.isArray(item)) {
        visit(item as unknown[]);
        continue;
      }
      const problem = write(target, index, item);
      if (problem !== undefined) {
        throw new FerryError(
          'INVALID_TENSOR_DATA',
          `input '${name}' element ${index}: ${problem} (datatype ${datatype})`,
        );
      }
      index += 1;
    }
  };
  visit(data);
  return target;
}

/**
 * Flat JSON data for an output tensor: numbers, booleans or strings. 64-bit integers become
 * numbers (exact up to 2^53). JSON has no NaN or infinity: such outputs encode as `null`.
 */
export function encodeJsonData(tensor: RuntimeTensor): (number | boolean | string)[] {
  const { datatype, data } = tensor;
  if (datatype === 'BYTES') return [...(data as string[])];
  if (datatype === 'BOOL') return Array.from(data as Uint8Array, (value) => value !== 0);
  if (datatype === 'FP16') return Array.from(data as Uint16Array, fromHalfBits);
  if (datatype === 'INT64' || datatype === 'UINT64') return Array.from(data as BigInt64Array, Number);
  return Array.from(data as Float32Array);
}
