import type { Kysely } from 'kysely';
import type { Tables } from '../store/index.js';
import { recordMapper, type ModelRow, type VersionRow } from './record-mapper.js';
import { registryErrors } from './registry-errors.js';
import type { AliasEvent, ModelRecord, VersionRecord, VersionRef } from './registry-types.js';

/**
 * Reads shared by the registry's calls. Each takes a `Kysely<Tables>`, so it runs inside a
 * transaction (a `Transaction` is one) or on its own.
 */
type Db = Kysely<Tables>;

/** The model's row, or MODEL_NOT_FOUND. */
export async function requireModelRow(db: Db, model: string): Promise<ModelRow> {
  const row = await db.selectFrom('models').selectAll().where('name', '=', model).executeTakeFirst();
  if (row === undefined) throw registryErrors.modelNotFound(model);
  return row;
}

/** Models with their version statistics and aliases: all of them, or only `onlyModel`. */
export async function modelRecords(db: Db, onlyModel?: string): Promise<ModelRecord[]> {
  let models = db.selectFrom('models').selectAll().orderBy('name');
  let stats = db
    .selectFrom('model_versions')
    .select((eb) => ['model_name', eb.fn.max('version').as('latest'), eb.fn.countAll<number>().as('count')])
    .groupBy('model_name');
  let aliases = db.selectFrom('aliases').select(['model_name', 'alias', 'version']).orderBy('alias');
  if (onlyModel !== undefined) {
    models = models.where('name', '=', onlyModel);
    stats = stats.where('model_name', '=', onlyModel);
    aliases = aliases.where('model_name', '=', onlyModel);
  }
  const [modelRows, statRows, aliasRows] = await Promise.all([
    models.execute(),
    stats.execute(),
    aliases.execute(),
  ]);
  return modelRows.map((row) => {
    const stat = statRows.find((s) => s.model_name === row.name);
    const modelAliases: Record<string, number> = {};
    for (const alias of aliasRows)
      if (alias.model_name === row.name) modelAliases[alias.alias] = alias.version;
    return recordMapper.toModelRecord(
      row,
      { latestVersion: stat?.latest ?? null, versionCount: stat?.count ?? 0 },
      modelAliases,
    );
  });
}

/** A version's row, or undefined. */
export function findVersionRow(db: Db, model: string, version: number): Promise<VersionRow | undefined> {
  return db
    .selectFrom('model_versions')
    .selectAll()
    .where('model_name', '=', model)
    .where('version', '=', version)
    .executeTakeFirst();
}

/** A version as a record, with the aliases pointing at it now; VERSION_NOT_FOUND when absent. */
export async function versionRecord(db: Db, model: string, version: number): Promise<VersionRecord> {
  const row = await findVersionRow(db, model, version);
  if (row === undefined) {
    await requireModelRow(db, model);
    throw registryErrors.versionNotFound(model, version);
  }
  return recordMapper.toVersionRecord(row, await aliasesOfVersion(db, model, version));
}

/** Every version of a model, oldest first. */
export async function versionRecords(db: Db, model: string): Promise<VersionRecord[]> {
  const [rows, aliases] = await Promise.all([
    db.selectFrom('model_versions').selectAll().where('model_name', '=', model).orderBy('version').execute(),
    db.selectFrom('aliases').select(['alias', 'version']).where('model_name', '=', model).execute(),
  ]);
  return rows.map((row) =>
    recordMapper.toVersionRecord(
      row,
      aliases.filter((alias) => alias.version === row.version).map((alias) => alias.alias),
    ),
  );
}

/** The aliases pointing at a version now, sorted. */
export async function aliasesOfVersion(db: Db, model: string, version: number): Promise<string[]> {
  const rows = await db
    .selectFrom('aliases')
    .select('alias')
    .where('model_name', '=', model)
    .where('version', '=', version)
    .orderBy('alias')
    .execute();
  return rows.map((row) => row.alias);
}

/** The version an alias points at now, or undefined. */
export async function aliasTarget(db: Db, model: string, alias: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('aliases')
    .select('version')
    .where('model_name', '=', model)
    .where('alias', '=', alias)
    .executeTakeFirst();
  return row?.version;
}

/**
 * The version number a reference means. `default` is `defaultAlias` when the model has that
 * alias, else its latest version. VERSION_NOT_FOUND (or MODEL_NOT_FOUND) when nothing matches.
 */
export async function resolveVersionNumber(
  db: Db,
  model: string,
  ref: VersionRef,
  defaultAlias: string,
): Promise<number> {
  switch (ref.kind) {
    case 'number':
      return ref.version;
    case 'alias': {
      const target = await aliasTarget(db, model, ref.alias);
      if (target !== undefined) return target;
      await requireModelRow(db, model);
      throw registryErrors.aliasNotResolved(model, ref.alias);
    }
    case 'default': {
      const target = await aliasTarget(db, model, defaultAlias);
      if (target !== undefined) return target;
      const latest = await db
        .selectFrom('model_versions')
        .select('version')
        .where('model_name', '=', model)
        .orderBy('version', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (latest !== undefined) return latest.version;
      await requireModelRow(db, model);
      throw registryErrors.noVersions(model);
    }
  }
}

/** Alias moves of a model (or of one alias), newest first. */
export async function aliasEvents(db: Db, model: string, alias?: string): Promise<AliasEvent[]> {
  let query = db.selectFrom('alias_events').selectAll().where('model_name', '=', model);
  if (alias !== undefined) query = query.where('alias', '=', alias);
  const rows = await query.orderBy('id', 'desc').execute();
  return rows.map((row) => recordMapper.toAliasEvent(row));
}

/** Does any version of any model use these bytes? */
export async function isArtifactReferenced(db: Db, sha256: string): Promise<boolean> {
  const row = await db
    .selectFrom('model_versions')
    .select('sha256')
    .where('sha256', '=', sha256)
    .limit(1)
    .executeTakeFirst();
  return row !== undefined;
}
