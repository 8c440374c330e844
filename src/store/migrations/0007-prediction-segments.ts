import type { FerryMigration } from './ferry-migration.js';

/**
 * Prediction segments (src/monitoring/log): the log stores each flush of a model version as one
 * row holding its predictions column by column, instead of one row (and four index entries) per
 * prediction, which cost more than serving a small model. `summary` holds each row's time,
 * latency and marks (failed, flagged, later row of a request) for metrics that need nothing else;
 * `body` the rest. `prediction_keys` finds the segments that may hold a request id (see
 * src/monitoring/log/segment-keys.ts); `feedback.segment_id` joins feedback to its segment.
 *
 * Rows of the old `predictions` table are moved into segments by the server at start
 * (src/monitoring/log/legacy-import.ts: the conversion needs the log's codec), so this migration
 * keeps that table.
 */
export const predictionSegmentsMigration: FerryMigration = {
  async up(db, dialect) {
    const blob = dialect === 'postgres' ? 'bytea' : 'blob';
    await db.schema
      .createTable('prediction_segments')
      .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (col) =>
        dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
      )
      .addColumn('model', 'text', (col) => col.notNull())
      .addColumn('version', 'integer', (col) => col.notNull())
      .addColumn('first_at', 'text', (col) => col.notNull())
      .addColumn('last_at', 'text', (col) => col.notNull())
      .addColumn('rows', 'integer', (col) => col.notNull())
      .addColumn('request_ids', 'text', (col) => col.notNull())
      .addColumn('summary', blob, (col) => col.notNull())
      .addColumn('body', blob, (col) => col.notNull())
      .execute();
    for (const [name, columns] of [
      ['prediction_segments_model_first_idx', ['model', 'first_at', 'id']],
      ['prediction_segments_model_last_idx', ['model', 'last_at', 'id']],
      ['prediction_segments_first_idx', ['first_at', 'id']],
      ['prediction_segments_last_idx', ['last_at', 'id']],
    ] as const) {
      await db.schema
        .createIndex(name)
        .on('prediction_segments')
        .columns([...columns])
        .execute();
    }
    await db.schema
      .createTable('prediction_keys')
      .addColumn('key', 'text', (col) => col.notNull())
      .addColumn('segment_id', 'bigint', (col) => col.notNull())
      .execute();
    await db.schema.createIndex('prediction_keys_key_idx').on('prediction_keys').column('key').execute();
    await db.schema
      .createIndex('prediction_keys_segment_idx')
      .on('prediction_keys')
      .column('segment_id')
      .execute();
    await db.schema.alterTable('feedback').addColumn('segment_id', 'bigint').execute();
    await db.schema.createIndex('feedback_segment_idx').on('feedback').column('segment_id').execute();
  },

  async down(db) {
    await db.schema.dropIndex('feedback_segment_idx').execute();
    await db.schema.alterTable('feedback').dropColumn('segment_id').execute();
    await db.schema.dropTable('prediction_keys').execute();
    await db.schema.dropTable('prediction_segments').execute();
  },
};
