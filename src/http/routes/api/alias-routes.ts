import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../../app-deps.js';
import { actorOf } from './authorize-hook.js';

interface AliasParams {
  model: string;
  alias: string;
}

/** Set, move and delete aliases, and read their history. */
export function registerAliasApiRoutes(app: FastifyInstance, deps: AppDeps): void {
  app.get<{ Params: { model: string } }>(
    '/api/v1/models/:model/aliases',
    { config: { action: 'models:read' } },
    async (request) => ({ aliases: (await deps.registry.getModel(request.params.model)).aliases }),
  );

  app.get<{ Params: { model: string }; Querystring: { alias?: string } }>(
    '/api/v1/models/:model/alias-history',
    {
      config: { action: 'models:read' },
      schema: {
        querystring: {
          type: 'object',
          properties: { alias: { type: 'string' } },
          additionalProperties: false,
        },
      },
    },
    async (request) => ({
      events: await deps.registry.aliasHistory(request.params.model, request.query.alias),
    }),
  );

  app.put<{ Params: AliasParams; Body: { version: number; reason?: string } }>(
    '/api/v1/models/:model/aliases/:alias',
    {
      config: { action: 'aliases:write' },
      schema: {
        body: {
          type: 'object',
          required: ['version'],
          additionalProperties: false,
          properties: {
            version: { type: 'integer', minimum: 1 },
            reason: { type: 'string', maxLength: 2000 },
          },
        },
      },
    },
    async (request) => {
      const { model, alias } = request.params;
      const event = await deps.registry.setAlias(model, alias, request.body.version, {
        actor: actorOf(request),
        reason: request.body.reason,
      });
      deps.resolver.invalidate(model);
      return event;
    },
  );

  app.delete<{ Params: AliasParams; Querystring: { reason?: string } }>(
    '/api/v1/models/:model/aliases/:alias',
    {
      config: { action: 'aliases:write' },
      schema: {
        querystring: {
          type: 'object',
          properties: { reason: { type: 'string', maxLength: 2000 } },
          additionalProperties: false,
        },
      },
    },
    async (request) => {
      const { model, alias } = request.params;
      const event = await deps.registry.deleteAlias(model, alias, {
        actor: actorOf(request),
        reason: request.query.reason,
      });
      deps.resolver.invalidate(model);
      return event;
    },
  );
}
