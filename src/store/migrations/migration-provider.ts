import type { Migration, MigrationProvider } from 'kysely';
import type { DialectName } from '../dialect-name.js';
import { initialMigration } from './0001-initial.js';
import { jobsMigration } from './0002-jobs.js';
import { monitoringMigration } from './0003-monitoring.js';
import { alertsMigration } from './0004-alerts.js'; // alerts (src/monitoring/alerts)
import { profilesMigration } from './0005-profiles.js'; // profiles (src/monitoring/profiles)
import { packedFeaturesMigration } from './0006-packed-features.js'; // prediction log (src/monitoring/log)
import { predictionSegmentsMigration } from './0007-prediction-segments.js'; // prediction log (src/monitoring/log)
import type { FerryMigration } from './ferry-migration.js';

/**
 * Every migration, in order. Names sort in the order they run and never change once released;
 * add a new file (`0002-…`) for each schema change rather than editing an old one.
 */
export const MIGRATIONS: Readonly<Record<string, FerryMigration>> = {
  '0001-initial': initialMigration,
  '0002-jobs': jobsMigration,
  '0003-monitoring': monitoringMigration, // monitoring (src/monitoring): prediction log, feedback
  '0004-alerts': alertsMigration, // alerts (src/monitoring/alerts)
  '0005-profiles': profilesMigration, // profiles (src/monitoring/profiles): reference and live profiles
  '0006-packed-features': packedFeaturesMigration, // prediction log: numeric features as float32
  '0007-prediction-segments': predictionSegmentsMigration, // prediction log: one row per flush and version
};

/** A static, in-code migration provider for Kysely's Migrator (no folder scanning at run time). */
export function migrationProvider(dialect: DialectName): MigrationProvider {
  return {
    getMigrations() {
      const migrations: Record<string, Migration> = {};
      for (const [name, migration] of Object.entries(MIGRATIONS)) {
        migrations[name] = {
          up: (db) => migration.up(db, dialect),
          down: (db) => migration.down(db, dialect),
        };
      }
      return Promise.resolve(migrations);
    },
  };
}
