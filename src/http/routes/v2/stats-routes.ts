import type { FastifyInstance } from 'fastify';
import { isFerryError } from '../../../core/index.js';
import { parseVersionRef } from '../../../registry/index.js';
import { compareVersionKeys, type VersionKey } from '../../../telemetry/index.js';
import type { AppDeps } from '../../app-deps.js';

interface StatsParams {
  model: string;
  version?: string;
}

type StatsDeps = Pick<AppDeps, 'statistics' | 'models' | 'registry' | 'inference'>;

/**
 * The versions a model-wide or server-wide answer lists, as Triton lists its ready versions: every
 * version loaded now, plus every version that has statistics (e.g. it failed to load, or was
 * unloaded). Versions no longer in the registry are left out.
 */
async function listedVersions(deps: StatsDeps, model?: string): Promise<VersionKey[]> {
  const candidates = new Map<string, Set<number>>();
  const note = (key: VersionKey) => {
    if (model !== undefined && key.model !== model) return;
    let versions = candidates.get(key.model);
    if (versions === undefined) candidates.set(key.model, (versions = new Set()));
    versions.add(key.version);
  };
  for (const entry of deps.models.entries()) if (entry.state.kind === 'ready') note(entry);
  for (const key of deps.statistics.versionsWithStats(model)) note(key);
  // A named model must exist (404 MODEL_NOT_FOUND otherwise), even when it has nothing to list.
  if (model !== undefined && !candidates.has(model)) candidates.set(model, new Set());

  const listed = await Promise.all(
    [...candidates].map(async ([name, versions]) => {
      let registered;
      try {
        registered = await deps.registry.listVersions(name);
      } catch (error) {
        if (model === undefined && isFerryError(error) && error.code === 'MODEL_NOT_FOUND') return [];
        throw error;
      }
      return registered
        .filter((record) => versions.has(record.version))
        .map((record): VersionKey => ({ model: name, version: record.version }));
    }),
  );
  return listed.flat().sort(compareVersionKeys);
}

/**
 * The statistics extension (Triton's `GET v2/models[/{m}[/versions/{v}]]/stats`): counts and
 * cumulative times per model version since the server started. `{v}` is a number or an alias.
 */
export function registerStatsRoutes(app: FastifyInstance, deps: StatsDeps): void {
  app.get('/v2/models/stats', async () => deps.statistics.report(await listedVersions(deps)));
  app.get<{ Params: StatsParams }>('/v2/models/:model/stats', async (request) =>
    deps.statistics.report(await listedVersions(deps, request.params.model)),
  );
  app.get<{ Params: StatsParams }>('/v2/models/:model/versions/:version/stats', async (request) => {
    const { model, version } = request.params;
    const record = await deps.inference.resolve(model, parseVersionRef(version));
    return deps.statistics.report([{ model: record.model, version: record.version }]);
  });
}
