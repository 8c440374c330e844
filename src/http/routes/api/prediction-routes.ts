import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import {
  EXPORT_CONTENT_TYPES,
  EXPORT_FORMATS,
  parsePageLimit,
  parsePredictionWindow,
  type ExportFormat,
  type PredictionMonitoring,
} from '../../../monitoring/index.js';

interface WindowQuery {
  model?: string;
  version?: string;
  from?: string;
  to?: string;
}

interface ListQuery extends WindowQuery {
  limit?: string;
  cursor?: string;
}

interface ExportQueryString extends WindowQuery {
  model: string;
  format?: ExportFormat;
  feedback?: 'true' | 'false';
}

const windowProperties = {
  model: { type: 'string', minLength: 1, maxLength: 256 },
  version: { type: 'string', pattern: '^[0-9]{1,9}$' },
  from: { type: 'string', minLength: 1, maxLength: 64 },
  to: { type: 'string', minLength: 1, maxLength: 64 },
} as const;

/**
 * The prediction log: `GET /api/v1/predictions` (newest first, paged by cursor, each with its
 * feedback) and `GET /api/v1/predictions/export` (NDJSON or CSV, streamed as it is read).
 */
export function registerPredictionApiRoutes(app: FastifyInstance, monitoring: PredictionMonitoring): void {
  app.get<{ Querystring: ListQuery }>(
    '/api/v1/predictions',
    {
      config: { action: 'predictions:read' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            ...windowProperties,
            limit: { type: 'string', pattern: '^[0-9]{1,5}$' },
            cursor: { type: 'string', minLength: 1, maxLength: 512 },
          },
        },
      },
    },
    (request) =>
      monitoring.predictions.list({
        ...parsePredictionWindow(request.query),
        limit: parsePageLimit(request.query.limit),
        cursor: request.query.cursor,
      }),
  );

  app.get<{ Querystring: ExportQueryString }>(
    '/api/v1/predictions/export',
    {
      config: { action: 'predictions:read' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          required: ['model'],
          properties: {
            ...windowProperties,
            format: { type: 'string', enum: [...EXPORT_FORMATS] },
            feedback: { type: 'string', enum: ['true', 'false'] },
          },
        },
      },
    },
    (request, reply) => {
      const format = request.query.format ?? 'ndjson';
      const { model } = request.query;
      const chunks = monitoring.exportPredictions({
        ...parsePredictionWindow(request.query),
        model,
        format,
        feedback: request.query.feedback === 'true',
      });
      const filename = `${model}-predictions.${format}`.replace(/[^\w.-]/g, '_');
      return reply
        .type(EXPORT_CONTENT_TYPES[format])
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(Readable.from(chunks));
    },
  );
}
