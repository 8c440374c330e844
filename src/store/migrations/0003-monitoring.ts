import type { FerryMigration } from './ferry-migration.js';

/**
 * Monitoring: the prediction log (one row per logged prediction), feedback (ground truth joined to
 * predictions by request id) and monitoring's secrets (the salt of hashed fields, shared by every
 * replica on the database). Timestamps and JSON are text, as everywhere (ADR 0002).
 */
export const monitoringMigration: FerryMigration = {
  async up(db, dialect) {
    await db.schema
      .createTable('predictions')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (col) =>
        dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
      )
      .addColumn('request_id', 'text', (col) => col.notNull())
      .addColumn('at', 'text', (col) => col.notNull())
      .addColumn('model', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('features_json', 'text', (col) => col.notNull())
      .addColumn('outputs_json', 'text', (col) => col.notNull())
      .addColumn('latency_ms', 'double precision', (col) => col.notNull())
      .addColumn('status', 'text', (col) => col.notNull())
      .addColumn('code', 'text')
      .addColumn('caller', 'text', (col) => col.notNull())
      .addColumn('flags_json', 'text')
      .execute();
    // Listings and windows of one model, in time order (id breaks ties, so pages are stable).
    await db.schema
      .createIndex('predictions_model_at_idx')
      .on('predictions')
      .columns(['model', 'at', 'id'])
      .execute();
    // Retention by age, and listings across models.
    await db.schema.createIndex('predictions_at_idx').on('predictions').columns(['at', 'id']).execute();
    // Feedback joins and lookups by request id.
    await db.schema.createIndex('predictions_request_idx').on('predictions').column('request_id').execute();

    await db.schema
      .createTable('feedback')
      .addColumn('request_id', 'text', (col) => col.primaryKey())
      .addColumn('model', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('label_json', 'text')
      .addColumn('value', 'double precision')
      .addColumn('at', 'text', (col) => col.notNull())
      .addColumn('received_at', 'text', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('feedback_received_idx').on('feedback').column('received_at').execute();

    await db.schema
      .createTable('monitoring_secrets')
      .addColumn('name', 'text', (col) => col.primaryKey())
      .addColumn('value', 'text', (col) => col.notNull())
      .addColumn('created_at', 'text', (col) => col.notNull())
      .execute();
  },

  async down(db) {
    await db.schema.dropTable('monitoring_secrets').execute();
    await db.schema.dropTable('feedback').execute();
    await db.schema.dropTable('predictions').execute();
  },
};
