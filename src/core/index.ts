/** Core vocabulary shared by every domain: errors, datatypes, configuration, logging, version. */
export { errorCatalog, FerryError, isFerryError, statusOf, toFerryError, type ErrorCode } from './errors.js';
export * from './datatypes.js';
export { ALERT_METRICS, configKeys, ConfigSchema, loadConfig, validateConfig, valueAt } from './config.js';
export type { ConfigKey, ConfigSources, FerryConfig } from './config.js';
export { createLogger, type Logger } from './logger.js';
export { FERRY_VERSION } from './version.js';
export { newRequestId, requestIdOf } from './request-id.js';
