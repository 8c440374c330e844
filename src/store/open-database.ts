import { Kysely, Migrator, sql } from 'kysely';
import { FerryError } from '../core/index.js';
import { isUniqueViolation } from './database-errors.js';
import type { Tables } from './database-tables.js';
import { parseDatabaseUrl, type DatabaseLocation } from './database-url.js';
import type { DialectName } from './dialect-name.js';
import { migrationProvider } from './migrations/migration-provider.js';
import { createPostgresDialect } from './postgres/postgres-dialect.js';
import { createSqliteDialect } from './sqlite/sqlite-dialect.js';

/** An open, migrated database. */
export interface FerryDatabase {
  readonly db: Kysely<Tables>;
  readonly dialect: DialectName;
  /** Close the connection (SQLite) or pool (Postgres). */
  close(): Promise<void>;
}

/** Where to open the database: `database.url` and `dataDir` from the configuration. */
export interface OpenDatabaseOptions {
  /** '' for `<dataDir>/ferry.db`, `sqlite:<path>`, or `postgres://…[?schema=name]`. */
  readonly url: string;
  readonly dataDir: string;
}

/**
 * Open the database named by `options.url` and bring its schema up to date with Ferry's migrations.
 * Opening twice, or from several replicas at once, is safe: migrations run once, under a lock.
 */
export async function openDatabase(options: OpenDatabaseOptions): Promise<FerryDatabase> {
  const location = parseDatabaseUrl(options.url, options.dataDir);
  const db = new Kysely<Tables>({
    dialect:
      location.dialect === 'sqlite'
        ? await createSqliteDialect(location.path)
        : createPostgresDialect(location.connectionString, location.schema),
  });
  try {
    const migrationSchema = location.dialect === 'postgres' ? await preparePostgres(db, location) : undefined;
    await migrate(db, location.dialect, migrationSchema);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return { db, dialect: location.dialect, close: () => db.destroy() };
}

/** Create the configured schema if needed and return the schema the tables live in. */
async function preparePostgres(
  db: Kysely<Tables>,
  location: Extract<DatabaseLocation, { dialect: 'postgres' }>,
): Promise<string> {
  try {
    if (location.schema !== undefined) {
      try {
        await db.schema.createSchema(location.schema).ifNotExists().execute();
      } catch (error) {
        // Two processes creating the same schema at once: the loser sees a unique violation.
        if (!isUniqueViolation(error)) throw error;
      }
      return location.schema;
    }
    const result = await sql<{ schema: string | null }>`select current_schema() as schema`.execute(db);
    return result.rows[0]?.schema ?? 'public';
  } catch (error) {
    const reason = describeError(error);
    throw new FerryError(
      'INVALID_CONFIG',
      `database.url: cannot use Postgres at ${location.display} (${reason}); check the URL and that the server is running`,
      { cause: error },
    );
  }
}

async function migrate(db: Kysely<Tables>, dialect: DialectName, schema: string | undefined): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: migrationProvider(dialect),
    // Kysely looks for its bookkeeping table in any schema unless told which one is ours.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    const reason = describeError(error);
    throw new FerryError(
      'INTERNAL',
      `database migration ${failed === undefined ? '' : `'${failed}' `}failed: ${reason}`,
      { cause: error },
    );
  }
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  return typeof error === 'string' ? error : 'unknown error';
}
