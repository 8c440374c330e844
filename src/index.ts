/**
 * Ferry's public library API. Everything not exported here is internal and may change.
 */
export { FerryError, errorCatalog, type ErrorCode } from './core/errors.js';
export { DATATYPES, type Datatype, type Tensor, type TensorElements } from './core/datatypes.js';
export { loadConfig, type FerryConfig, type ConfigSources } from './core/config.js';
