import type { FerryMigration } from './ferry-migration.js';

/**
 * Packed prediction features (src/monitoring/log): a logged row stores its numeric inputs read
 * from FP32 tensors as one float32 blob (`features_f32`, little-endian, NaN for missing) instead of
 * a JSON object of number texts, which is what made logging a 512-feature request cost more than
 * serving it. The names of the packed values, and the order of every stored input feature, are a
 * layout kept once in `prediction_layouts` (found by the SHA-256 of its JSON) and named by each row
 * (`layout_id`); the other inputs stay in `features_json`. Rows written before this migration, or
 * with nothing to pack, have a null `layout_id` and read as before.
 */
export const packedFeaturesMigration: FerryMigration = {
  async up(db, dialect) {
    await db.schema
      .createTable('prediction_layouts')
      .addColumn('id', dialect === 'postgres' ? 'serial' : 'integer', (col) =>
        dialect === 'postgres' ? col.primaryKey() : col.primaryKey().autoIncrement(),
      )
      .addColumn('digest', 'text', (col) => col.notNull().unique())
      .addColumn('layout_json', 'text', (col) => col.notNull())
      .execute();
    await db.schema.alterTable('predictions').addColumn('layout_id', 'integer').execute();
    await db.schema
      .alterTable('predictions')
      .addColumn('features_f32', dialect === 'postgres' ? 'bytea' : 'blob')
      .execute();
  },

  async down(db) {
    await db.schema.alterTable('predictions').dropColumn('features_f32').execute();
    await db.schema.alterTable('predictions').dropColumn('layout_id').execute();
    await db.schema.dropTable('prediction_layouts').execute();
  },
};
