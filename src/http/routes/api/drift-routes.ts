import type { FastifyInstance } from 'fastify';
import type { DriftMonitoring } from '../../../monitoring/index.js';

interface DriftQueryString {
  version?: string;
  window?: string;
  windows?: string;
}

/**
 * `GET /api/v1/models/{model}/drift?version=&window=current|last|<start>/<end>&windows=N`: the drift
 * report of a version (default: the model's default version) over a range of monitoring windows,
 * live profiles against the reference profile.
 */
export function registerDriftRoutes(app: FastifyInstance, drift: Pick<DriftMonitoring, 'drift'>): void {
  app.get<{ Params: { model: string }; Querystring: DriftQueryString }>(
    '/api/v1/models/:model/drift',
    {
      config: { action: 'predictions:read' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            version: { type: 'string', minLength: 1, maxLength: 64 },
            window: { type: 'string', minLength: 1, maxLength: 128 },
            windows: { type: 'string', pattern: '^[0-9]{1,5}$' },
          },
        },
      },
    },
    (request) => drift.drift.report(request.params.model, request.query),
  );
}
