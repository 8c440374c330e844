import type { FastifyInstance } from 'fastify';
import { FerryError } from '../../../core/index.js';
import {
  ALERT_STATE_KINDS,
  MAX_HISTORY_LIMIT,
  type AlertService,
  type AlertStateKind,
} from '../../../monitoring/alerts/index.js';

interface ListQuery {
  state?: AlertStateKind;
  model?: string;
  rule?: string;
}

interface HistoryQuery {
  rule?: string;
  model?: string;
  limit?: string;
}

const read = { action: 'alerts:read' as const };

/**
 * Alerts under `/api/v1/alerts`: the current state of each configured rule per model, the history
 * of state changes (newest first, with the delivery of their notifications), and the rules.
 */
export function registerAlertApiRoutes(app: FastifyInstance, alerts: AlertService): void {
  app.get<{ Querystring: ListQuery }>(
    '/api/v1/alerts',
    {
      config: read,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: [...ALERT_STATE_KINDS] },
            model: { type: 'string', minLength: 1 },
            rule: { type: 'string', minLength: 1 },
          },
        },
      },
    },
    async (request) => ({ alerts: await alerts.list(request.query) }),
  );

  app.get<{ Querystring: HistoryQuery }>(
    '/api/v1/alerts/events',
    {
      config: read,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            rule: { type: 'string', minLength: 1 },
            model: { type: 'string', minLength: 1 },
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
          },
        },
      },
    },
    async (request) => {
      const { rule, model, limit } = request.query;
      const count = limit === undefined ? undefined : Number(limit);
      if (count !== undefined && (count < 1 || count > MAX_HISTORY_LIMIT)) {
        throw new FerryError('INVALID_ARGUMENT', `limit must be between 1 and ${MAX_HISTORY_LIMIT}`);
      }
      return { events: await alerts.history({ rule, model, limit: count }) };
    },
  );

  app.get('/api/v1/alerts/rules', { config: read }, () => ({ rules: alerts.rules() }));
}
