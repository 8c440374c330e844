import { isDatatype } from '../core/index.js';
import { FerryError } from '../core/index.js';
import type { Signature, TensorSpec } from '../registry/index.js';
import type { RuntimeTensor } from '../runtime/index.js';
import { decodeBinaryData } from './binary-tensor-codec.js';
import { decodeJsonData } from './json-tensor-codec.js';

/** A protocol parameter value. */
export type ParameterValue = string | number | boolean;

/** An inference request after validation against a version's signature. */
export interface ValidatedRequest {
  readonly id: string | undefined;
  readonly parameters: Readonly<Record<string, ParameterValue>> | undefined;
  readonly inputs: Readonly<Record<string, RuntimeTensor>>;
  /** Output names to return, in order. */
  readonly outputs: readonly string[];
}

export interface RequestLimits {
  readonly maxTensorElements: number;
  /** Bytes of inputs sent with the binary tensor extension, by input name. */
  readonly binaryInputs?: ReadonlyMap<string, Uint8Array> | undefined;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const formatShape = (shape: readonly number[]): string => `[${shape.join(',')}]`;

function parseParameters(value: unknown, where: string): Record<string, ParameterValue> | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new FerryError('BAD_REQUEST', `${where} parameters must be a JSON object`);
  for (const [key, item] of Object.entries(value)) {
    if (!['string', 'number', 'boolean'].includes(typeof item)) {
      throw new FerryError('BAD_REQUEST', `${where} parameter '${key}' must be a string, number or boolean`);
    }
  }
  return value as Record<string, ParameterValue>;
}

function parseShape(name: string, value: unknown): number[] {
  if (
    !Array.isArray(value) ||
    value.some((dim) => typeof dim !== 'number' || !Number.isInteger(dim) || dim < 0)
  ) {
    throw new FerryError('SHAPE_MISMATCH', `input '${name}' shape must be an array of non-negative integers`);
  }
  return value as number[];
}

function checkShape(name: string, shape: readonly number[], spec: TensorSpec): void {
  const compatible =
    shape.length === spec.shape.length && spec.shape.every((dim, axis) => dim < 0 || dim === shape[axis]);
  if (!compatible) {
    throw new FerryError(
      'SHAPE_MISMATCH',
      `input '${name}' has shape ${formatShape(shape)} but the model expects ${formatShape(spec.shape)} (-1 means any size)`,
    );
  }
}

function decodeInput(
  raw: unknown,
  index: number,
  specs: ReadonlyMap<string, TensorSpec>,
  limits: RequestLimits,
) {
  if (!isObject(raw)) throw new FerryError('BAD_REQUEST', `inputs[${index}] must be a JSON object`);
  const name = raw.name;
  if (typeof name !== 'string' || name === '') {
    throw new FerryError('BAD_REQUEST', `inputs[${index}] needs a "name" string`);
  }
  const spec = specs.get(name);
  if (spec === undefined) {
    throw new FerryError(
      'UNKNOWN_INPUT',
      `input '${name}' is not an input of this model; its inputs are: ${[...specs.keys()].join(', ')}`,
    );
  }
  if (!isDatatype(raw.datatype)) {
    throw new FerryError(
      'DATATYPE_MISMATCH',
      `input '${name}' has datatype ${JSON.stringify(raw.datatype)}, which is not a protocol datatype; the model expects ${spec.datatype}`,
    );
  }
  if (raw.datatype !== spec.datatype) {
    throw new FerryError(
      'DATATYPE_MISMATCH',
      `input '${name}' has datatype ${raw.datatype} but the model expects ${spec.datatype}`,
    );
  }
  const shape = parseShape(name, raw.shape);
  checkShape(name, shape, spec);
  const count = shape.reduce((product, dim) => product * dim, 1);
  if (count > limits.maxTensorElements) {
    throw new FerryError(
      'TOO_MANY_ELEMENTS',
      `input '${name}' has ${count} elements; the limit is ${limits.maxTensorElements} (server.maxTensorElements)`,
    );
  }
  const parameters = parseParameters(raw.parameters, `input '${name}'`);
  const binary = limits.binaryInputs?.get(name);
  if (parameters?.binary_data_size !== undefined && binary === undefined) {
    throw new FerryError(
      'BAD_REQUEST',
      `input '${name}' declares binary_data_size but the body carries no binary data for it`,
    );
  }
  if (binary !== undefined) {
    if (raw.data !== undefined)
      throw new FerryError('BAD_REQUEST', `input '${name}' has both "data" and binary data`);
    return {
      name,
      tensor: { datatype: spec.datatype, shape, data: decodeBinaryData(name, spec.datatype, shape, binary) },
    };
  }
  if (raw.data === undefined) {
    throw new FerryError('INVALID_TENSOR_DATA', `input '${name}' has no "data"`);
  }
  const tensor: RuntimeTensor = {
    datatype: spec.datatype,
    shape,
    data: decodeJsonData(name, spec.datatype, shape, raw.data),
  };
  return { name, tensor };
}

function requestedOutputs(raw: unknown, signature: Signature): string[] {
  const known = signature.outputs.map((output) => output.name);
  if (raw === undefined) return known;
  if (!Array.isArray(raw))
    throw new FerryError('BAD_REQUEST', '"outputs" must be an array of {"name": ...} objects');
  return raw.map((item: unknown, index) => {
    if (!isObject(item) || typeof item.name !== 'string') {
      throw new FerryError('BAD_REQUEST', `outputs[${index}] needs a "name" string`);
    }
    if (!known.includes(item.name)) {
      throw new FerryError(
        'UNKNOWN_OUTPUT',
        `output '${item.name}' is not an output of this model; its outputs are: ${known.join(', ')}`,
      );
    }
    parseParameters(item.parameters, `output '${item.name}'`);
    return item.name;
  });
}

/**
 * Check an Open Inference Protocol request body against a version's signature and turn its
 * tensors into typed arrays. Every problem becomes a 400 with a precise code and message.
 */
export function validateInferenceRequest(
  body: unknown,
  signature: Signature,
  limits: RequestLimits,
): ValidatedRequest {
  if (!isObject(body))
    throw new FerryError('BAD_REQUEST', 'the inference request body must be a JSON object');
  if (body.id !== undefined && typeof body.id !== 'string') {
    throw new FerryError('BAD_REQUEST', '"id" must be a string');
  }
  if (!Array.isArray(body.inputs) || body.inputs.length === 0) {
    throw new FerryError('BAD_REQUEST', '"inputs" must be a non-empty array of tensors');
  }
  const specs = new Map(signature.inputs.map((spec) => [spec.name, spec]));
  const inputs: Record<string, RuntimeTensor> = {};
  body.inputs.forEach((raw: unknown, index) => {
    const { name, tensor } = decodeInput(raw, index, specs, limits);
    if (inputs[name] !== undefined) throw new FerryError('DUPLICATE_INPUT', `input '${name}' is given twice`);
    inputs[name] = tensor;
  });
  const missing = signature.inputs.filter((spec) => inputs[spec.name] === undefined);
  if (missing.length > 0) {
    throw new FerryError(
      'MISSING_INPUT',
      `missing input${missing.length > 1 ? 's' : ''} ${missing
        .map((spec) => `'${spec.name}' (${spec.datatype} ${formatShape(spec.shape)})`)
        .join(', ')}`,
    );
  }
  return {
    id: body.id,
    parameters: parseParameters(body.parameters, 'request'),
    inputs,
    outputs: requestedOutputs(body.outputs, signature),
  };
}
