/** The typed client for Ferry's REST APIs. */
export { FerryClient, type FerryClientOptions } from './http-client.js';
export type * from './ferry-api.js';
