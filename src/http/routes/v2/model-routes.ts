import type { FastifyInstance, FastifyReply } from 'fastify';
import { parseVersionRef } from '../../../registry/index.js';
import type { VersionRecord } from '../../../registry/index.js';
import type { AppDeps } from '../../app-deps.js';

interface ModelParams {
  model: string;
  version?: string;
}

/**
 * Model metadata and model readiness, each with and without `/versions/{v}`. `{v}` is
 * a version number or an alias; without it the server serves `registry.defaultAlias` or the latest.
 */
export function registerModelRoutes(app: FastifyInstance, deps: AppDeps): void {
  const metadata = async (params: ModelParams) => {
    const version = await deps.inference.resolve(params.model, parseVersionRef(params.version));
    const versions =
      params.version === undefined ? await deps.registry.listVersions(params.model) : [version];
    const tensor = (spec: VersionRecord['signature']['inputs'][number]) => ({
      name: spec.name,
      datatype: spec.datatype,
      shape: spec.shape,
    });
    return {
      name: params.model,
      versions: versions.map((record) => String(record.version)),
      platform: deps.runtime.platform,
      inputs: version.signature.inputs.map(tensor),
      outputs: version.signature.outputs.map(tensor),
    };
  };

  // Readiness does not wait for a load: asking starts one (or a retry once `runtime.loadRetryMs`
  // has passed after a failure), and the answer is the state now.
  const ready = async (params: ModelParams, reply: FastifyReply) => {
    const version = await deps.inference.resolve(params.model, parseVersionRef(params.version));
    if (deps.models.stateOf(version.model, version.version)?.kind !== 'ready') {
      deps.models.acquire(version).catch(() => undefined); // the outcome is kept in the manager's state
    }
    const state = deps.models.stateOf(version.model, version.version);
    if (state?.kind === 'ready') return reply.code(200).send();
    const reason =
      state?.kind === 'failed'
        ? state.error.message
        : `model '${version.model}' version ${version.version} is loading`;
    return reply.code(400).send({ error: reason, code: 'NOT_READY' });
  };

  app.get<{ Params: ModelParams }>('/v2/models/:model', (request) => metadata(request.params));
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version', (request) =>
    metadata(request.params),
  );
  app.get<{ Params: ModelParams }>('/v2/models/:model/ready', (request, reply) =>
    ready(request.params, reply),
  );
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version/ready', (request, reply) =>
    ready(request.params, reply),
  );
}
