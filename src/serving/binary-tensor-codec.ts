import { allocateElements, elementCount, type Datatype, type TensorElements } from '../core/index.js';
import { FerryError } from '../core/index.js';
import type { RuntimeTensor } from '../runtime/index.js';

/** Bytes per element of fixed-size datatypes (BYTES is length-prefixed instead). */
const ELEMENT_SIZE: Record<Exclude<Datatype, 'BYTES'>, number> = {
  BOOL: 1,
  UINT8: 1,
  INT8: 1,
  UINT16: 2,
  INT16: 2,
  FP16: 2,
  UINT32: 4,
  INT32: 4,
  FP32: 4,
  UINT64: 8,
  INT64: 8,
  FP64: 8,
};

/**
 * Decode a tensor sent with Triton's binary tensor extension: elements in row-major order, little
 * endian; BOOL one byte each; BYTES each a 4-byte little-endian length then the UTF-8 bytes.
 */
export function decodeBinaryData(
  name: string,
  datatype: Datatype,
  shape: readonly number[],
  bytes: Uint8Array,
): TensorElements {
  const count = elementCount(shape);
  if (datatype === 'BYTES') {
    const out: string[] = [];
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let offset = 0;
    while (offset < bytes.byteLength) {
      if (offset + 4 > bytes.byteLength)
        throw lengthError(name, `a BYTES element length is cut off at byte ${offset}`);
      const length = view.getUint32(offset, true);
      offset += 4;
      if (offset + length > bytes.byteLength)
        throw lengthError(name, `a BYTES element of ${length} bytes runs past the data`);
      try {
        out.push(decoder.decode(bytes.subarray(offset, offset + length)));
      } catch {
        throw new FerryError(
          'INVALID_TENSOR_DATA',
          `input '${name}' element ${out.length} is not valid UTF-8`,
        );
      }
      offset += length;
    }
    if (out.length !== count)
      throw lengthError(
        name,
        `it holds ${out.length} BYTES elements but its shape [${shape.join(',')}] needs ${count}`,
      );
    return out;
  }
  const size = ELEMENT_SIZE[datatype];
  if (bytes.byteLength !== count * size) {
    throw lengthError(
      name,
      `it has ${bytes.byteLength} bytes but ${datatype} [${shape.join(',')}] needs ${count * size}`,
    );
  }
  const target = allocateElements(datatype, count) as Exclude<TensorElements, string[]>;
  // Copy into the typed array's own (aligned) buffer; this also detaches us from the request body.
  new Uint8Array(target.buffer).set(bytes);
  if (datatype === 'BOOL') {
    for (let i = 0; i < count; i++) {
      if ((target as Uint8Array)[i]! > 1)
        throw new FerryError(
          'INVALID_TENSOR_DATA',
          `input '${name}' element ${i} is not a boolean byte (0 or 1)`,
        );
    }
  }
  return target;
}

function lengthError(name: string, why: string): FerryError {
  return new FerryError('DATA_LENGTH_MISMATCH', `input '${name}' binary data does not fit: ${why}`);
}

/** Encode a tensor's elements in the binary tensor format (little endian; BYTES length-prefixed). */
export function encodeBinaryData(tensor: RuntimeTensor): Uint8Array {
  if (Array.isArray(tensor.data)) {
    const parts = tensor.data.map((text) => Buffer.from(text, 'utf8'));
    const out = Buffer.alloc(parts.reduce((sum, part) => sum + 4 + part.byteLength, 0));
    let offset = 0;
    for (const part of parts) {
      out.writeUInt32LE(part.byteLength, offset);
      part.copy(out, offset + 4);
      offset += 4 + part.byteLength;
    }
    return out;
  }
  const data = tensor.data;
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}
