import type { FerryDatabase } from '../../store/index.js';
import { VersionProfile } from './version-profile.js';

/** A version's reference profile as stored, with where it came from. */
export interface ReferenceRecord {
  readonly model: string;
  readonly version: number;
  readonly profile: VersionProfile;
  /** Name of the dataset (a file name, or what the caller named it). */
  readonly source: string;
  /** `sha256:<hex>` of the dataset's bytes. */
  readonly digest: string;
  /** Rows of the dataset. */
  readonly rows: number;
  /** What was left out and why. */
  readonly notes: readonly string[];
  readonly createdAt: string;
  readonly createdBy: string;
}

/** Identifies one stored reference: replacing it changes the stamp. */
export const stampOf = (record: { readonly digest: string; readonly createdAt: string }): string =>
  `${record.digest}@${record.createdAt}`;

/** Reference profiles in the metadata database (`reference_profiles`), one per version. */
export class ReferenceStore {
  constructor(private readonly database: FerryDatabase) {}

  /** Store (or replace) the reference profile of a version. */
  async put(record: ReferenceRecord): Promise<void> {
    const row = {
      model: record.model,
      version: record.version,
      profile_json: JSON.stringify(record.profile.toJSON()),
      source: record.source,
      digest: record.digest,
      rows: record.rows,
      notes_json: JSON.stringify(record.notes),
      created_at: record.createdAt,
      created_by: record.createdBy,
    };
    await this.database.db
      .insertInto('reference_profiles')
      .values(row)
      .onConflict((conflict) =>
        conflict.columns(['model', 'version']).doUpdateSet({
          profile_json: row.profile_json,
          source: row.source,
          digest: row.digest,
          rows: row.rows,
          notes_json: row.notes_json,
          created_at: row.created_at,
          created_by: row.created_by,
        }),
      )
      .execute();
  }

  /** The reference of a version, or undefined when it has none. */
  async get(model: string, version: number): Promise<ReferenceRecord | undefined> {
    const row = await this.database.db
      .selectFrom('reference_profiles')
      .selectAll()
      .where('model', '=', model)
      .where('version', '=', version)
      .executeTakeFirst();
    if (row === undefined) return undefined;
    return {
      model: row.model,
      version: Number(row.version),
      profile: VersionProfile.fromJSON(row.profile_json),
      source: row.source,
      digest: row.digest,
      rows: Number(row.rows),
      notes: JSON.parse(row.notes_json) as string[],
      createdAt: row.created_at,
      createdBy: row.created_by,
    };
  }

  /** The stamp of a version's reference (cheap: no profile is read), or undefined when it has none. */
  async stamp(model: string, version: number): Promise<string | undefined> {
    const row = await this.database.db
      .selectFrom('reference_profiles')
      .select(['digest', 'created_at'])
      .where('model', '=', model)
      .where('version', '=', version)
      .executeTakeFirst();
    return row === undefined ? undefined : stampOf({ digest: row.digest, createdAt: row.created_at });
  }

  /** Remove a version's reference; true when there was one. */
  async delete(model: string, version: number): Promise<boolean> {
    const result = await this.database.db
      .deleteFrom('reference_profiles')
      .where('model', '=', model)
      .where('version', '=', version)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }
}
