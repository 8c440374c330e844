import { FerryError } from '../core/index.js';
import { readOnnxModel, type OnnxModelInfo } from '../onnx/index.js';
import type { VersionRecord } from './registry-types.js';

/**
 * Read an uploaded artifact as ONNX and refuse what Ferry cannot serve from one file: garbage
 * (INVALID_ARTIFACT), external data escaping the model's folder (UNSAFE_ARTIFACT), and external
 * data at all (INVALID_ARTIFACT), since a version is exactly one content-addressed file.
 */
export function inspectOnnxArtifact(bytes: Uint8Array): OnnxModelInfo {
  const info = readOnnxModel(bytes);
  if (info.externalDataLocations.length > 0) {
    throw new FerryError(
      'INVALID_ARTIFACT',
      'external data is not supported: save the model with all tensors inside the file',
      { details: { externalDataLocations: info.externalDataLocations } },
    );
  }
  return info;
}

/** The facts about the file a version record keeps. */
export function onnxFacts(info: OnnxModelInfo): VersionRecord['onnx'] {
  const { name, version } = info.producer;
  return {
    irVersion: info.irVersion,
    producer: version === '' ? name : `${name} ${version}`,
    opsets: info.opsets.map(({ domain, version: opsetVersion }) => ({ domain, version: opsetVersion })),
  };
}
