import type { FerryMigration } from './ferry-migration.js';

/** Models, versions, aliases and the history of alias moves. */
export const initialMigration: FerryMigration = {
  async up(db, dialect) {
    await db.schema
      .createTable('models')
      .addColumn('name', 'text', (col) => col.primaryKey())
      .addColumn('description', 'text', (col) => col.notNull().defaultTo(''))
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('created_by', 'text', (col) => col.notNull())
      .addColumn('last_version', 'integer', (col) => col.notNull().defaultTo(0))
      .execute();

    await db.schema
      .createTable('model_versions')
      .addColumn('model_name', 'text', (col) => col.notNull().references('models.name'))
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('sha256', 'text', (col) => col.notNull())
      .addColumn('size_bytes', 'bigint', (col) => col.notNull())
      .addColumn('format', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .addColumn('created_by', 'text', (col) => col.notNull())
      .addColumn('signature_json', 'text', (col) => col.notNull())
      .addColumn('lineage_json', 'text', (col) => col.notNull())
      .addColumn('card', 'text')
      .addColumn('tags_json', 'text', (col) => col.notNull())
      .addColumn('onnx_json', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('model_versions_pk', ['model_name', 'version'])
      .addUniqueConstraint('model_versions_sha256_unique', ['model_name', 'sha256'])
      .execute();
    await db.schema.createIndex('model_versions_sha256_idx').on('model_versions').column('sha256').execute();

    await db.schema
      .createTable('aliases')
      .addColumn('model_name', 'text', (col) => col.notNull())
      .addColumn('alias', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('updated_at', 'text', (col) => col.notNull())
      .addColumn('updated_by', 'text', (col) => col.notNull())
      .addPrimaryKeyConstraint('aliases_pk', ['model_name', 'alias'])
      .addForeignKeyConstraint('aliases_version_fk', ['model_name', 'version'], 'model_versions', [
        'model_name',
        'version',
      ])
      .execute();

    await db.schema
      .createTable('alias_events')
      .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (col) =>
        dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
      )
      .addColumn('model_name', 'text', (col) => col.notNull().references('models.name'))
      .addColumn('alias', 'text', (col) => col.notNull())
      .addColumn('from_version', 'integer')
      .addColumn('to_version', 'integer')
      .addColumn('actor', 'text', (col) => col.notNull())
      .addColumn('reason', 'text')
      .addColumn('at', 'text', (col) => col.notNull())
      .execute();
    await db.schema
      .createIndex('alias_events_alias_idx')
      .on('alias_events')
      .columns(['model_name', 'alias', 'id'])
      .execute();
  },

  async down(db) {
    await db.schema.dropTable('alias_events').execute();
    await db.schema.dropTable('aliases').execute();
    await db.schema.dropTable('model_versions').execute();
    await db.schema.dropTable('models').execute();
  },
};
