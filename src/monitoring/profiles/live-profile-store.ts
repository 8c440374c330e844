import type { FerryDatabase } from '../../store/index.js';
import type { RetainedStore } from '../log/retention-task.js';

/** One stored live profile: one version, one window, one replica. */
export interface LiveProfileRow {
  readonly model: string;
  readonly version: number;
  /** ISO-8601, aligned to `monitoring.windowMs`. */
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly replica: string;
  /** The profile's JSON text (`VersionProfileJson`). */
  readonly profileJson: string;
  /** Predictions profiled. */
  readonly rows: number;
  readonly updatedAt: string;
}

/** Rows a version has in a range of windows. */
export interface VersionRows {
  readonly model: string;
  readonly version: number;
  readonly rows: number;
}

/**
 * Live profiles in the metadata database (`live_profiles`): each replica upserts its own
 * cumulative row per (model, version, window), so replicas never write the same row; readers
 * merge. Retention deletes windows that ended before the cutoff (`keepNewest` does nothing: the
 * table holds one row per version, window and replica, not one per prediction).
 */
export class LiveProfileStore implements RetainedStore {
  constructor(private readonly database: FerryDatabase) {}

  /** Write a replica's row for a window (insert, or replace its profile and count). */
  async upsert(row: LiveProfileRow): Promise<void> {
    await this.database.db
      .insertInto('live_profiles')
      .values({
        model: row.model,
        version: row.version,
        window_start: row.windowStart,
        window_end: row.windowEnd,
        replica: row.replica,
        profile_json: row.profileJson,
        rows: row.rows,
        updated_at: row.updatedAt,
      })
      .onConflict((conflict) =>
        conflict.columns(['model', 'version', 'window_start', 'replica']).doUpdateSet({
          window_end: row.windowEnd,
          profile_json: row.profileJson,
          rows: row.rows,
          updated_at: row.updatedAt,
        }),
      )
      .execute();
  }

  /** One replica's row for a window, or undefined. */
  async get(
    model: string,
    version: number,
    windowStart: string,
    replica: string,
  ): Promise<LiveProfileRow | undefined> {
    const row = await this.database.db
      .selectFrom('live_profiles')
      .selectAll()
      .where('model', '=', model)
      .where('version', '=', version)
      .where('window_start', '=', windowStart)
      .where('replica', '=', replica)
      .executeTakeFirst();
    return row === undefined ? undefined : toRow(row);
  }

  /** Every replica's rows of a version for the windows starting in [from, to), oldest first. */
  async read(model: string, version: number, from: string, to: string): Promise<LiveProfileRow[]> {
    const rows = await this.database.db
      .selectFrom('live_profiles')
      .selectAll()
      .where('model', '=', model)
      .where('version', '=', version)
      .where('window_start', '>=', from)
      .where('window_start', '<', to)
      .orderBy('window_start')
      .orderBy('replica')
      .execute();
    return rows.map(toRow);
  }

  /** The versions with live rows in the windows starting in [from, to), most rows first; every model when none is named. */
  async versions(from: string, to: string, model?: string): Promise<VersionRows[]> {
    let query = this.database.db
      .selectFrom('live_profiles')
      .select((eb) => ['model', 'version', eb.fn.sum<number | string>('rows').as('rows')])
      .where('window_start', '>=', from)
      .where('window_start', '<', to);
    if (model !== undefined) query = query.where('model', '=', model);
    const rows = await query.groupBy(['model', 'version']).execute();
    return rows
      .map((row) => ({ model: row.model, version: Number(row.version), rows: Number(row.rows) }))
      .sort((a, b) => b.rows - a.rows || a.model.localeCompare(b.model) || b.version - a.version);
  }

  /** Delete the windows that ended at or before `cutoff` (ISO-8601); returns how many rows. */
  async deleteOlderThan(cutoff: string): Promise<number> {
    const result = await this.database.db
      .deleteFrom('live_profiles')
      .where('window_end', '<=', cutoff)
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Nothing to do: the table is bounded by versions × windows × replicas, and trimmed by age. */
  keepNewest(): Promise<number> {
    return Promise.resolve(0);
  }
}

function toRow(row: {
  model: string;
  version: number;
  window_start: string;
  window_end: string;
  replica: string;
  profile_json: string;
  rows: number;
  updated_at: string;
}): LiveProfileRow {
  return {
    model: row.model,
    version: Number(row.version),
    windowStart: row.window_start,
    windowEnd: row.window_end,
    replica: row.replica,
    profileJson: row.profile_json,
    rows: Number(row.rows),
    updatedAt: row.updated_at,
  };
}
