import type { FerryMigration } from './ferry-migration.js';

/**
 * Profiles (src/monitoring/profiles): the reference profile of each version (computed from a
 * reference dataset) and the live profiles of served predictions, one row per version, window and
 * replica. Profiles are JSON text, timestamps ISO-8601 text, as everywhere (ADR 0002).
 *
 * A reference profile belongs to its version: deleting the version deletes it (cascade). Live
 * profiles are history and are trimmed by retention (`monitoring.retentionMaxAgeMs`) instead. Each
 * replica writes only its own live rows (the replica id is part of the key), so replicas never
 * contend for a row; readers merge the rows of every replica and window.
 */
export const profilesMigration: FerryMigration = {
  async up(db) {
    await db.schema
      .createTable('reference_profiles')
      .addColumn('model', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('profile_json', 'text', (col) => col.notNull())
      .addColumn('source', 'text', (col) => col.notNull())
      .addColumn('digest', 'text', (col) => col.notNull())
      .addColumn('rows', 'integer', (col) => col.notNull())
      .addColumn('notes_json', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('created_by', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('reference_profiles_pk', ['model', 'version'])
      .addForeignKeyConstraint(
        'reference_profiles_version_fk',
        ['model', 'version'],
        'model_versions',
        ['model_name', 'version'],
        (constraint) => constraint.onDelete('cascade'),
      )
      .execute();

    await db.schema
      .createTable('live_profiles')
      .addColumn('model', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('window_start', 'text', (col) => col.notNull())
      .addColumn('window_end', 'text', (col) => col.notNull())
      .addColumn('replica', 'text', (col) => col.notNull())
      .addColumn('profile_json', 'text', (col) => col.notNull())
      .addColumn('rows', 'integer', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('live_profiles_pk', ['model', 'version', 'window_start', 'replica'])
      .execute();
    // Alert readings and drift over a model's windows (any version).
    await db.schema
      .createIndex('live_profiles_model_window_idx')
      .on('live_profiles')
      .columns(['model', 'window_start'])
      .execute();
    // Retention by age.
    await db.schema.createIndex('live_profiles_end_idx').on('live_profiles').column('window_end').execute();
  },

  async down(db) {
    await db.schema.dropTable('live_profiles').execute();
    await db.schema.dropTable('reference_profiles').execute();
  },
};
