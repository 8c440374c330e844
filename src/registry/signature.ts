import { FerryError } from '../core/index.js';
import type { OnnxModelInfo } from '../onnx/index.js';
import { isPlainObject } from './plain-object.js';
import type {
  FeatureKind,
  Signature,
  SignatureOverrides,
  TensorOverride,
  TensorSpec,
} from './registry-types.js';

type Role = 'input' | 'output';

const OVERRIDE_KEYS = ['features', 'labels', 'featureKinds', 'description', 'shape'] as const;
const FEATURE_KINDS: readonly string[] = ['numeric', 'categorical'];
const MAX_DESCRIPTION_LENGTH = 4096;

function invalid(message: string): FerryError {
  return new FerryError('INVALID_SIGNATURE', message);
}

/** The signature as the ONNX file declares it (`-1` for dynamic dimensions). */
export function signatureFromOnnx(info: Pick<OnnxModelInfo, 'inputs' | 'outputs'>): Signature {
  const spec = ({ name, datatype, shape }: OnnxModelInfo['inputs'][number]): TensorSpec => ({
    name,
    datatype,
    shape: [...shape],
  });
  return { inputs: info.inputs.map(spec), outputs: info.outputs.map(spec) };
}

/**
 * Complete the signature read from the file with the user's overrides: column (feature) and class
 * (label) names, descriptions, and sizes for dynamic dimensions. Datatypes and fixed dimensions
 * always stay as the file declares them. Throws INVALID_SIGNATURE with the exact problem.
 */
export function applySignatureOverrides(signature: Signature, overrides: unknown): Signature {
  if (overrides === undefined || overrides === null) return signature;
  if (!isPlainObject(overrides)) {
    throw invalid('signature overrides must be an object like {"inputs": {"x": {"features": [...]}}}');
  }
  for (const key of Object.keys(overrides)) {
    if (key !== 'inputs' && key !== 'outputs') {
      throw invalid(`signature overrides have an unknown key '${key}'; the allowed keys are inputs, outputs`);
    }
  }
  const checked = overrides as SignatureOverrides;
  return {
    inputs: overrideSide(signature.inputs, checked.inputs, 'input'),
    outputs: overrideSide(signature.outputs, checked.outputs, 'output'),
  };
}

function overrideSide(specs: readonly TensorSpec[], overrides: unknown, role: Role): TensorSpec[] {
  if (overrides === undefined) return [...specs];
  if (!isPlainObject(overrides)) {
    throw invalid(`signature overrides of the ${role}s must be an object keyed by ${role} name`);
  }
  const names = specs.map((spec) => spec.name);
  for (const name of Object.keys(overrides)) {
    if (!names.includes(name)) {
      const known = names.length === 0 ? 'none' : names.map((n) => `'${n}'`).join(', ');
      throw invalid(`the signature overrides name ${role} '${name}', but the model's ${role}s are ${known}`);
    }
  }
  return specs.map((spec) => {
    const override = overrides[spec.name];
    return override === undefined ? spec : overrideTensor(spec, override, role);
  });
}

function overrideTensor(spec: TensorSpec, value: unknown, role: Role): TensorSpec {
  const where = `${role} '${spec.name}'`;
  if (!isPlainObject(value)) throw invalid(`the override of ${where} must be an object`);
  for (const key of Object.keys(value)) {
    if (!(OVERRIDE_KEYS as readonly string[]).includes(key)) {
      throw invalid(
        `the override of ${where} has an unknown key '${key}'; the allowed keys are ${OVERRIDE_KEYS.join(', ')}`,
      );
    }
  }
  const override = value as TensorOverride;
  const shape = override.shape === undefined ? spec.shape : overrideShape(spec.shape, override.shape, where);
  let result: TensorSpec = { ...spec, shape };
  if (override.features !== undefined) {
    result = { ...result, features: names(override.features, shape, where, 'feature') };
  }
  if (override.labels !== undefined) {
    if (role === 'input') {
      throw invalid(
        `labels name the classes of an output; ${where} cannot have labels (use features to name its columns)`,
      );
    }
    result = { ...result, labels: names(override.labels, shape, where, 'label') };
  }
  if (override.featureKinds !== undefined) {
    result = { ...result, featureKinds: featureKinds(override.featureKinds, result, where, role) };
  }
  if (override.description !== undefined) {
    if (typeof override.description !== 'string' || override.description.length > MAX_DESCRIPTION_LENGTH) {
      throw invalid(
        `the description of ${where} must be text of at most ${MAX_DESCRIPTION_LENGTH} characters`,
      );
    }
    result = { ...result, description: override.description };
  }
  return result;
}

function overrideShape(declared: readonly number[], value: unknown, where: string): number[] {
  const declaredText = `[${declared.join(', ')}]`;
  if (!Array.isArray(value) || !value.every((dim) => Number.isSafeInteger(dim) && (dim === -1 || dim >= 1))) {
    throw invalid(`the shape override of ${where} must be a list of sizes (1 or more, or -1 for dynamic)`);
  }
  const shape = value as number[];
  if (shape.length !== declared.length) {
    throw invalid(
      `${where} has ${declared.length} dimensions ${declaredText}; the shape override [${shape.join(', ')}] has ${shape.length}`,
    );
  }
  shape.forEach((dim, index) => {
    const fixed = declared[index] ?? -1;
    if (fixed !== -1 && dim !== fixed) {
      throw invalid(
        `dimension ${index} of ${where} is fixed at ${fixed} in the file ${declaredText}; a shape override may only fix dynamic (-1) dimensions`,
      );
    }
  });
  return [...shape];
}

function names(value: unknown, shape: readonly number[], where: string, kind: 'feature' | 'label'): string[] {
  if (!Array.isArray(value) || !value.every((name) => typeof name === 'string' && name !== '')) {
    throw invalid(`the ${kind} names of ${where} must be a list of non-empty strings`);
  }
  const list = value as string[];
  if (shape.length === 0) throw invalid(`${where} is a scalar; it has no columns to name with ${kind}s`);
  const last = shape[shape.length - 1] ?? -1;
  if (last !== -1 && list.length !== last) {
    throw invalid(
      `${where} has ${last} columns in its last dimension [${shape.join(', ')}], but ${list.length} ${kind} names were given`,
    );
  }
  const seen = new Set<string>();
  for (const name of list) {
    if (seen.has(name))
      throw invalid(`the ${kind} names of ${where} repeat '${name}'; each column needs its own name`);
    seen.add(name);
  }
  return [...list];
}

/**
 * Check the monitoring kinds of a tensor's columns: one per named column (`features` of an input,
 * `labels` of an output), or one per column of an unnamed tensor (1 for a 1-D tensor, the fixed last
 * dimension of a 2-D one). BYTES columns hold text and can only be categorical.
 */
function featureKinds(value: unknown, spec: TensorSpec, where: string, role: Role): FeatureKind[] {
  if (
    !Array.isArray(value) ||
    !value.every((kind) => typeof kind === 'string' && FEATURE_KINDS.includes(kind))
  ) {
    throw invalid(`the featureKinds of ${where} must be a list of "numeric" or "categorical"`);
  }
  const kinds = value as FeatureKind[];
  const named = spec.labels ?? spec.features;
  const last = spec.shape[spec.shape.length - 1] ?? -1;
  const expected =
    named !== undefined ? named.length : spec.shape.length === 1 ? 1 : spec.shape.length === 2 ? last : -1;
  if (expected === -1) {
    throw invalid(
      `${where} has shape [${spec.shape.join(', ')}]; featureKinds need named columns (${role === 'input' ? 'features' : 'labels'}), a 1-D tensor, or a 2-D tensor with a fixed last dimension`,
    );
  }
  if (kinds.length !== expected) {
    const what =
      named !== undefined
        ? `${named.length} named columns`
        : `${expected} column${expected === 1 ? '' : 's'}`;
    throw invalid(
      `${where} has ${what} but ${kinds.length} featureKinds were given; give one kind per column`,
    );
  }
  if (spec.datatype === 'BYTES' && kinds.includes('numeric')) {
    throw invalid(`${where} holds text (BYTES); its featureKinds can only be "categorical"`);
  }
  return [...kinds];
}
