/**
 * The model registry: models, immutable content-addressed versions, aliases with history,
 * lineage, signatures and model cards.
 */
export { Registry, type RegistryOptions } from './registry.js';
export type {
  TensorSpec,
  FeatureKind,
  Signature,
  SignatureOverrides,
  TensorOverride,
  Lineage,
  ModelDetail,
  ModelRecord,
  VersionRecord,
  AliasEvent,
  VersionRef,
  Actor,
  PushInput,
  PushResult,
} from './registry-types.js';
export { parseVersionRef, validateAlias, describeVersionRef, ALIAS_RULE } from './version-ref.js';
export { parseModelRef, formatModelRef, type ModelRef } from './model-ref.js';
export { validateModelName, MODEL_NAME_RULE } from './model-name.js';
export { parseModelCard, type ModelCard, type ParsedModelCard } from './model-card.js';
export { validateLineage } from './lineage.js';
export { applySignatureOverrides, signatureFromOnnx } from './signature.js';
