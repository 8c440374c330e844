import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app-deps.js';

/** `GET /v2/health/live` and `GET /v2/health/ready`: 200 means true, 400 means false (with a reason). */
export function registerHealthRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/v2/health/live', async (_request, reply) => reply.code(200).send());
  app.get('/v2/health/ready', async (_request, reply) => {
    const verdict = deps.readiness.check();
    if (verdict.ready) return reply.code(200).send();
    return reply.code(400).send({ error: verdict.reason, code: 'NOT_READY' });
  });
}
