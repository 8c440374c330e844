import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app-deps.js';

/** `GET /api/v1/health`: readiness with its reason, and the load state of every version asked for. */
export function registerHealthApiRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get('/api/v1/health', { config: { action: 'models:read' } }, () => {
    const verdict = deps.readiness.check();
    return {
      ready: verdict.ready,
      ...(verdict.ready ? {} : { reason: verdict.reason }),
      models: deps.models.entries().map(({ model, version, state }) => ({
        model,
        version,
        state: state.kind,
        ...(state.kind === 'ready' ? { loadMs: state.loadMs } : {}),
        ...(state.kind === 'failed'
          ? { error: { code: state.error.code, message: state.error.message } }
          : {}),
      })),
      // monitoring (src/monitoring): prediction log buffer, drops and a warning while degraded.
      ...(deps.predictionMonitoring === undefined ? {} : { monitoring: deps.predictionMonitoring.health() }),
    };
  });
}
