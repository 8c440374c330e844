/**
 * The metadata database: one Kysely code path over SQLite (better-sqlite3) and Postgres (pg),
 * migrated at open.
 */
export { openDatabase, type FerryDatabase, type OpenDatabaseOptions } from './open-database.js';
export { parseDatabaseUrl, DEFAULT_SQLITE_FILE, type DatabaseLocation } from './database-url.js';
export { withTransaction, DEFAULT_TRANSACTION_ATTEMPTS } from './transaction.js';
export { unsyncedTransaction } from './unsynced-transaction.js';
export { isUniqueViolation, isForeignKeyViolation, isTransientConflict } from './database-errors.js';
export type { DialectName } from './dialect-name.js';
export type {
  Tables,
  ModelsTable,
  ModelVersionsTable,
  AliasesTable,
  AliasEventsTable,
  PredictionsTable,
  PredictionKeysTable,
  PredictionSegmentsTable,
  PredictionLayoutsTable,
  FeedbackTable,
  MonitoringSecretsTable,
  ReferenceProfilesTable, // profiles (src/monitoring/profiles)
  LiveProfilesTable,
} from './database-tables.js';
