import type { Kysely } from 'kysely';
import { FerryError } from '../core/index.js';
import type { Tables } from '../store/index.js';
import { recordMapper } from './record-mapper.js';
import { registryErrors } from './registry-errors.js';
import { aliasTarget } from './registry-queries.js';
import type { AliasEvent } from './registry-types.js';

/** One requested alias change: point `alias` at `toVersion`, or delete it (`toVersion` null). */
export interface AliasMove {
  readonly model: string;
  readonly alias: string;
  readonly toVersion: number | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: string;
}

function movedMeanwhile(model: string, alias: string): FerryError {
  return new FerryError(
    'CONFLICT',
    `alias '${alias}' of model '${model}' was changed by someone else meanwhile; retry`,
  );
}

/**
 * Apply an alias move and record it, inside the caller's transaction. The change is conditional
 * on the alias still pointing where it was read, so two concurrent moves cannot both record the
 * same "from" (the loser throws CONFLICT and `withTransaction` runs it again). Moving an alias to
 * where it already points records nothing and returns its last event.
 */
export async function moveAlias(trx: Kysely<Tables>, move: AliasMove): Promise<AliasEvent> {
  const { model, alias, toVersion } = move;
  const current = await aliasTarget(trx, model, alias);
  if (current === toVersion) return lastEvent(trx, move);

  if (current === undefined) {
    if (toVersion === null) throw registryErrors.aliasNotFound(model, alias);
    // A concurrent insert of the same alias fails the primary key; withTransaction retries.
    await trx
      .insertInto('aliases')
      .values({ model_name: model, alias, version: toVersion, updated_at: move.at, updated_by: move.actor })
      .execute();
  } else if (toVersion === null) {
    const { numDeletedRows } = await trx
      .deleteFrom('aliases')
      .where('model_name', '=', model)
      .where('alias', '=', alias)
      .where('version', '=', current)
      .executeTakeFirstOrThrow();
    if (numDeletedRows === 0n) throw movedMeanwhile(model, alias);
  } else {
    const { numUpdatedRows } = await trx
      .updateTable('aliases')
      .set({ version: toVersion, updated_at: move.at, updated_by: move.actor })
      .where('model_name', '=', model)
      .where('alias', '=', alias)
      .where('version', '=', current)
      .executeTakeFirstOrThrow();
    if (numUpdatedRows === 0n) throw movedMeanwhile(model, alias);
  }

  const event: AliasEvent = {
    model,
    alias,
    fromVersion: current ?? null,
    toVersion,
    actor: move.actor,
    reason: move.reason,
    at: move.at,
  };
  await trx.insertInto('alias_events').values(recordMapper.toAliasEventRow(event)).execute();
  return event;
}

async function lastEvent(trx: Kysely<Tables>, move: AliasMove): Promise<AliasEvent> {
  const last = await trx
    .selectFrom('alias_events')
    .selectAll()
    .where('model_name', '=', move.model)
    .where('alias', '=', move.alias)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  if (last !== undefined) return recordMapper.toAliasEvent(last);
  // Every alias write records an event, so this only happens to rows written by hand.
  return { ...move, fromVersion: move.toVersion, reason: null };
}
