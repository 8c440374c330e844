import { FerryError } from '../../../core/index.js';
import {
  encodeBinaryData,
  toJsonOutput,
  toJsonResponse,
  type InferenceResult,
} from '../../../serving/index.js';
import { jsonDepthExceeds } from '../../plugins/json-depth.js';

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Split a request of the binary tensor extension: `headerLength` bytes of JSON, then the binary
 * data of each input that declares `parameters.binary_data_size`, in the order of `inputs`.
 */
export function splitBinaryRequest(
  body: Buffer,
  headerLengthText: string,
  maxDepth: number,
): { header: unknown; binaryInputs: Map<string, Uint8Array> } {
  const headerLength = Number(headerLengthText);
  if (!Number.isInteger(headerLength) || headerLength < 0 || headerLength > body.byteLength) {
    throw new FerryError(
      'BAD_REQUEST',
      `Inference-Header-Content-Length ${headerLengthText} is not a length within the ${body.byteLength}-byte body`,
    );
  }
  const text = body.subarray(0, headerLength).toString('utf8');
  if (jsonDepthExceeds(text, maxDepth)) {
    throw new FerryError(
      'JSON_TOO_DEEP',
      `the JSON header nests deeper than ${maxDepth} levels (server.maxJsonDepth)`,
    );
  }
  let header: unknown;
  try {
    header = JSON.parse(text) as unknown;
  } catch (error) {
    throw new FerryError(
      'INVALID_JSON',
      `the JSON header (the first ${headerLength} bytes) is not valid JSON: ${(error as Error).message}`,
    );
  }
  const binaryInputs = new Map<string, Uint8Array>();
  let offset = headerLength;
  const inputs = isObject(header) && Array.isArray(header.inputs) ? header.inputs : [];
  for (const input of inputs as unknown[]) {
    if (!isObject(input) || !isObject(input.parameters) || input.parameters.binary_data_size === undefined)
      continue;
    const size = input.parameters.binary_data_size;
    const name = String(input.name);
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
      throw new FerryError('BAD_REQUEST', `input '${name}' binary_data_size must be a non-negative integer`);
    }
    if (offset + size > body.byteLength) {
      throw new FerryError(
        'DATA_LENGTH_MISMATCH',
        `input '${name}' declares ${size} bytes of binary data but only ${body.byteLength - offset} remain in the body`,
      );
    }
    binaryInputs.set(name, body.subarray(offset, offset + size));
    offset += size;
  }
  if (offset !== body.byteLength) {
    throw new FerryError(
      'DATA_LENGTH_MISMATCH',
      `the body has ${body.byteLength - offset} bytes of binary data that no input declares (binary_data_size)`,
    );
  }
  return { header, binaryInputs };
}

/**
 * Which outputs the caller wants as binary: `parameters.binary_data` on an output, else the
 * request's `parameters.binary_data_output`.
 */
export function binaryOutputNames(request: unknown, result: InferenceResult): Set<string> {
  const names = new Set<string>();
  if (!isObject(request)) return names;
  const all = isObject(request.parameters) && request.parameters.binary_data_output === true;
  const perOutput = new Map<string, boolean>();
  if (Array.isArray(request.outputs)) {
    for (const output of request.outputs as unknown[]) {
      if (
        isObject(output) &&
        isObject(output.parameters) &&
        typeof output.parameters.binary_data === 'boolean'
      ) {
        perOutput.set(String(output.name), output.parameters.binary_data);
      }
    }
  }
  for (const { name } of result.outputs) if (perOutput.get(name) ?? all) names.add(name);
  return names;
}

/** The response of the binary extension: the JSON header, then the binary outputs in order. */
export function binaryResponse(
  result: InferenceResult,
  binary: ReadonlySet<string>,
): { headerLength: number; body: Buffer } {
  const chunks: Uint8Array[] = [];
  const outputs = result.outputs.map(({ name, tensor }) => {
    if (!binary.has(name)) return toJsonOutput(name, tensor);
    const bytes = encodeBinaryData(tensor);
    chunks.push(bytes);
    return {
      name,
      datatype: tensor.datatype,
      shape: tensor.shape,
      parameters: { binary_data_size: bytes.byteLength },
    };
  });
  const header = Buffer.from(JSON.stringify({ ...toJsonResponse({ ...result, outputs: [] }), outputs }));
  return { headerLength: header.byteLength, body: Buffer.concat([header, ...chunks]) };
}
