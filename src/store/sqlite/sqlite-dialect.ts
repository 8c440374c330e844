import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect } from 'kysely';

/**
 * Connection settings for every SQLite file Ferry opens: write-ahead logging so readers never block
 * the writer, a full fsync at each commit (nothing acknowledged is lost), enforced foreign keys,
 * and a wait of up to 5 s when another process holds the write lock.
 */
export const SQLITE_PRAGMAS = [
  'journal_mode = WAL',
  'synchronous = FULL',
  'foreign_keys = ON',
  'busy_timeout = 5000',
] as const;

/** Open (creating its folder) the SQLite file at `path` with Ferry's pragmas, as a Kysely dialect. */
export async function createSqliteDialect(path: string): Promise<SqliteDialect> {
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  const database = new Database(path);
  for (const pragma of SQLITE_PRAGMAS) database.pragma(pragma);
  return new SqliteDialect({ database });
}
