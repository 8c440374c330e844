import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../app-deps.js';

/** `GET /metrics`: every Ferry metric in Prometheus text format (docs/reference/metrics.md). */
export function registerMetricsRoutes(app: FastifyInstance, deps: Pick<AppDeps, 'metrics'>): void {
  app.get('/metrics', async (_request, reply) => {
    const text = await deps.metrics.metrics();
    return reply.code(200).type(deps.metrics.contentType).send(text);
  });
}
