import type { FastifyInstance } from 'fastify';
import { FerryError } from '../../../core/index.js';
import { parseVersionRef } from '../../../registry/index.js';
import type { AppDeps } from '../../app-deps.js';
import { actorOf } from './authorize-hook.js';

interface ModelParams {
  model: string;
}
interface VersionParams extends ModelParams {
  version: string;
}

function versionNumber(text: string): number {
  const ref = parseVersionRef(text);
  if (ref.kind !== 'number') {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `'${text}' is not a version number; this call takes a number, not an alias`,
    );
  }
  return ref.version;
}

/** Read models and versions; delete a version; set a version's tags; read its model card. */
export function registerModelApiRoutes(app: FastifyInstance, deps: AppDeps): void {
  const read = { config: { action: 'models:read' as const } };

  app.get('/api/v1/models', read, async () => ({ models: await deps.registry.listModels() }));

  app.get<{ Params: ModelParams }>('/api/v1/models/:model', read, (request) =>
    deps.registry.describeModel(request.params.model),
  );

  app.get<{ Params: ModelParams }>('/api/v1/models/:model/versions', read, async (request) => ({
    versions: await deps.registry.listVersions(request.params.model),
  }));

  app.get<{ Params: VersionParams }>('/api/v1/models/:model/versions/:version', read, (request) =>
    deps.registry.getVersion(request.params.model, parseVersionRef(request.params.version)),
  );

  app.get<{ Params: VersionParams }>(
    '/api/v1/models/:model/versions/:version/card',
    read,
    async (request, reply) => {
      const card = await deps.registry.getCard(request.params.model, parseVersionRef(request.params.version));
      if (request.headers.accept?.includes('application/json')) return card;
      if (card.markdown === null) {
        throw new FerryError(
          'CARD_NOT_FOUND',
          `model '${request.params.model}' version ${request.params.version} has no model card; push a version with --card to add one`,
        );
      }
      return reply.type('text/markdown; charset=utf-8').send(card.markdown);
    },
  );

  app.put<{ Params: VersionParams; Body: { tags: Record<string, string> } }>(
    '/api/v1/models/:model/versions/:version/tags',
    {
      config: { action: 'models:write' },
      schema: {
        body: {
          type: 'object',
          required: ['tags'],
          additionalProperties: false,
          // Tag values are checked by the registry, as on push: a schema here would let Fastify
          // coerce 1 to "1" and null to "" instead of refusing them.
          properties: { tags: { type: 'object' } },
        },
      },
    },
    async (request) => {
      const { model } = request.params;
      await deps.registry.setTags(model, versionNumber(request.params.version), request.body.tags);
      deps.resolver.invalidate(model);
      return deps.registry.getVersion(model, parseVersionRef(request.params.version));
    },
  );

  app.delete<{ Params: VersionParams }>(
    '/api/v1/models/:model/versions/:version',
    { config: { action: 'versions:delete' } },
    async (request, reply) => {
      const { model } = request.params;
      const version = versionNumber(request.params.version);
      await deps.registry.deleteVersion(model, version, { actor: actorOf(request) });
      deps.resolver.invalidate(model);
      await deps.inference.unload(model, version);
      return reply.code(204).send();
    },
  );
}
