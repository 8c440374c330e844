import type { Kysely } from 'kysely';
import type { Tables } from '../store/index.js';
import { moveAlias } from './alias-moves.js';
import { recordMapper } from './record-mapper.js';
import { versionRecord } from './registry-queries.js';
import type { Lineage, PushResult, Signature, VersionRecord } from './registry-types.js';

/** A checked push, ready to be written. */
export interface Registration {
  readonly model: string;
  readonly description: string | undefined;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly signature: Signature;
  readonly lineage: Lineage;
  readonly card: string | null;
  readonly tags: Readonly<Record<string, string>>;
  readonly onnx: VersionRecord['onnx'];
  readonly alias: string | undefined;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: string;
}

/**
 * Write a push inside the caller's transaction: create the model if absent, reuse the version that
 * already has these bytes or allocate the next number, and move the alias. Numbers come from the
 * model row's counter, whose update locks the row on Postgres, so concurrent pushes get distinct
 * numbers; a concurrent push of the same bytes fails the (model, sha256) unique constraint and
 * `withTransaction` runs this again, which then finds the existing version.
 */
export async function registerVersion(trx: Kysely<Tables>, registration: Registration): Promise<PushResult> {
  const { model, at, actor } = registration;
  const inserted = await trx
    .insertInto('models')
    .values({ name: model, description: registration.description ?? '', created_at: at, created_by: actor })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .executeTakeFirst();
  if (inserted.numInsertedOrUpdatedRows === 0n && registration.description !== undefined) {
    await trx
      .updateTable('models')
      .set({ description: registration.description })
      .where('name', '=', model)
      .execute();
  }

  const existing = await trx
    .selectFrom('model_versions')
    .select('version')
    .where('model_name', '=', model)
    .where('sha256', '=', registration.sha256)
    .executeTakeFirst();
  const version = existing?.version ?? (await insertVersion(trx, registration));

  if (registration.alias !== undefined) {
    await moveAlias(trx, {
      model,
      alias: registration.alias,
      toVersion: version,
      actor,
      reason: registration.reason,
      at,
    });
  }
  return { version: await versionRecord(trx, model, version), created: existing === undefined };
}

async function insertVersion(trx: Kysely<Tables>, registration: Registration): Promise<number> {
  const { last_version: version } = await trx
    .updateTable('models')
    .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
    .where('name', '=', registration.model)
    .returning('last_version')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('model_versions')
    .values(
      recordMapper.toVersionRow({
        model: registration.model,
        version,
        sha256: registration.sha256,
        sizeBytes: registration.sizeBytes,
        format: 'onnx',
        createdAt: registration.at,
        createdBy: registration.actor,
        signature: registration.signature,
        lineage: registration.lineage,
        card: registration.card,
        tags: registration.tags,
        onnx: registration.onnx,
      }),
    )
    .execute();
  return version;
}
