/** The Fastify app: the inference protocol under /v2 and the management API under /api/v1. */
export { buildApp } from './app.js';
export type { AppDeps } from './app-deps.js';
