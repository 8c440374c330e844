import { isAbsolute, normalize, sep } from 'node:path';
import type { Datatype } from '../core/index.js';
import { FerryError } from '../core/index.js';
import { datatypeOfElementType, elementTypeName, onnx } from './onnx-types.js';
import type { Proto } from './onnx-types.js';

/** One input or output of an ONNX graph: name, datatype and shape (-1 for a dynamic dimension). */
export interface OnnxTensorInfo {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: number[];
}

/** What Ferry reads from an ONNX file at push: its signature and facts about how it was made. */
export interface OnnxModelInfo {
  readonly irVersion: number;
  readonly producer: { readonly name: string; readonly version: string };
  readonly opsets: { readonly domain: string; readonly version: number }[];
  readonly inputs: OnnxTensorInfo[];
  readonly outputs: OnnxTensorInfo[];
  /** `metadata_props` of the model (key → value). */
  readonly metadata: Record<string, string>;
  /** Locations of tensors stored outside the file (ONNX external data), relative paths as written. */
  readonly externalDataLocations: string[];
}

/** protobufjs gives 64-bit integers as numbers or Long objects; Ferry's sizes fit in a double. */
function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'object' && value !== null && 'toNumber' in value) {
    return (value as { toNumber(): number }).toNumber();
  }
  return 0;
}

function tensorInfo(value: Proto.IValueInfoProto, role: 'input' | 'output'): OnnxTensorInfo {
  const name = value.name ?? '';
  const tensorType = value.type?.tensorType;
  if (!tensorType) {
    const kind = value.type?.sequenceType ? 'a sequence' : value.type?.mapType ? 'a map' : 'not a tensor';
    const hint =
      kind === 'a sequence'
        ? ' (scikit-learn classifiers export probabilities as a sequence of maps: re-export with options={"zipmap": False})'
        : '';
    throw new FerryError(
      'INVALID_ARTIFACT',
      `${role} '${name}' is ${kind}; Ferry serves tensor inputs and outputs only${hint}`,
    );
  }
  const elementType = tensorType.elemType ?? 0;
  const datatype = datatypeOfElementType(elementType);
  if (datatype === undefined) {
    throw new FerryError(
      'INVALID_ARTIFACT',
      `${role} '${name}' has element type ${elementTypeName(elementType)}, which the inference protocol cannot carry`,
    );
  }
  const dims = tensorType.shape?.dim ?? [];
  const shape = dims.map((dim) => {
    const fixed = dim.dimValue === null || dim.dimValue === undefined ? undefined : toNumber(dim.dimValue);
    return fixed !== undefined && fixed > 0 && !dim.dimParam ? fixed : -1;
  });
  return { name, datatype, shape };
}

/** Is an external-data location inside the model's own folder (relative, no `..` escape)? */
export function externalLocationIsContained(location: string): boolean {
  if (location === '' || isAbsolute(location) || /^[a-zA-Z]:/.test(location) || location.includes('\0')) {
    return false;
  }
  const normalized = normalize(location.replaceAll('\\', '/'));
  return normalized !== '..' && !normalized.startsWith(`..${sep}`) && !normalized.startsWith('../');
}

function externalLocations(graph: Proto.IGraphProto): string[] {
  const locations: string[] = [];
  const visitTensor = (tensor: Proto.ITensorProto): void => {
    if (tensor.dataLocation !== onnx.TensorProto.DataLocation.EXTERNAL) return;
    const entry = (tensor.externalData ?? []).find((kv) => kv.key === 'location');
    locations.push(entry?.value ?? '');
  };
  const visitGraph = (g: Proto.IGraphProto): void => {
    for (const tensor of g.initializer ?? []) visitTensor(tensor);
    for (const node of g.node ?? []) {
      for (const attribute of node.attribute ?? []) {
        if (attribute.t) visitTensor(attribute.t);
        for (const tensor of attribute.tensors ?? []) visitTensor(tensor);
        if (attribute.g) visitGraph(attribute.g);
        for (const sub of attribute.graphs ?? []) visitGraph(sub);
      }
    }
  };
  visitGraph(graph);
  return locations;
}

/**
 * Parse an ONNX file and read its signature. Throws INVALID_ARTIFACT when the bytes are not an
 * ONNX model Ferry can serve, and UNSAFE_ARTIFACT when external data escapes the model's folder.
 */
export function readOnnxModel(bytes: Uint8Array): OnnxModelInfo {
  let model: Proto.ModelProto;
  try {
    model = onnx.ModelProto.decode(bytes);
  } catch (error) {
    throw new FerryError('INVALID_ARTIFACT', `the file is not an ONNX model: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const graph = model.graph;
  if (!graph || (graph.node ?? []).length === 0 || (graph.output ?? []).length === 0) {
    throw new FerryError(
      'INVALID_ARTIFACT',
      'the file is not an ONNX model: it has no graph, nodes or outputs',
    );
  }
  const initializerNames = new Set((graph.initializer ?? []).map((tensor) => tensor.name ?? ''));
  const inputs = (graph.input ?? [])
    .filter((input) => !initializerNames.has(input.name ?? ''))
    .map((input) => tensorInfo(input, 'input'));
  const outputs = (graph.output ?? []).map((output) => tensorInfo(output, 'output'));
  const externalDataLocations = externalLocations(graph);
  const escaping = externalDataLocations.filter((location) => !externalLocationIsContained(location));
  if (escaping.length > 0) {
    throw new FerryError(
      'UNSAFE_ARTIFACT',
      `the model refers to external data outside its own folder (${escaping.map((l) => JSON.stringify(l)).join(', ')}); refused`,
    );
  }
  const metadata: Record<string, string> = {};
  for (const prop of model.metadataProps ?? []) metadata[prop.key ?? ''] = prop.value ?? '';
  return {
    irVersion: toNumber(model.irVersion),
    producer: { name: model.producerName ?? '', version: model.producerVersion ?? '' },
    opsets: (model.opsetImport ?? []).map((opset) => ({
      domain: opset.domain ?? '',
      version: toNumber(opset.version),
    })),
    inputs,
    outputs,
    metadata,
    externalDataLocations,
  };
}
