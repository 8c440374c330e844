import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app-deps.js';

/** Protocol extensions this server supports, under the names Triton and KServe clients know. */
export const PROTOCOL_EXTENSIONS: readonly string[] = ['binary_tensor_data', 'statistics'];

/** `GET /v2`: server metadata. */
export function registerServerRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/v2', () => ({ name: 'ferry', version: deps.serverVersion, extensions: PROTOCOL_EXTENSIONS }));
}
