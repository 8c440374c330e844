import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteDialect, type SqliteDatabase } from 'kysely';

/**
 * Page size of a new SQLite file. The prediction log stores a segment as one row of blobs (2 MiB
 * for a thousand rows of 512 float32 features), which SQLite writes as overflow pages: each page
 * is two write calls to the WAL and, at a checkpoint, a read and a write more. Measured CPU with 4,
 * 8 and 16 KiB pages (better-sqlite3, WAL): a 2 MiB segment's commit with its share of checkpoints
 * 5.4, 4.1 and 3.3 ms; a 1024-row segment of the 4-feature demo model (115 KB) 0.51, 0.44 and
 * 0.60 ms; a one-row transaction 33, 35 and 46 µs. 8 KiB is the size that costs less than the
 * default for all three. Only a file with no content takes it: an existing database keeps its size
 * (docs/architecture.md, Store).
 */
export const SQLITE_PAGE_SIZE = 8192;

/**
 * Connection settings for every SQLite file Ferry opens: the page size of a new file, write-ahead
 * logging so readers never block the writer, a full fsync at each commit (nothing acknowledged is
 * lost), enforced foreign keys, and a wait of up to 5 s when another process holds the write lock.
 */
export const SQLITE_PRAGMAS = [
  `page_size = ${SQLITE_PAGE_SIZE}`,
  'journal_mode = WAL',
  'synchronous = FULL',
  'foreign_keys = ON',
  'busy_timeout = 5000',
] as const;

/** Prepared statements a SQLite connection keeps, by SQL text (the least recently used go first). */
export const STATEMENT_CACHE_SIZE = 256;

/** Open (creating its folder) the SQLite file at `path` with Ferry's pragmas, as a Kysely dialect. */
export async function createSqliteDialect(path: string): Promise<SqliteDialect> {
  if (path !== ':memory:') await mkdir(dirname(path), { recursive: true });
  const database = new Database(path);
  for (const pragma of SQLITE_PRAGMAS) database.pragma(pragma);
  return new SqliteDialect({ database: withStatementCache(database) });
}

/**
 * The connection as Kysely sees it, with prepared statements reused by SQL text. Kysely prepares
 * every query it runs and better-sqlite3 caches nothing, so a multi-row INSERT of a thousand
 * parameters was parsed again at each flush; the same SQL now reuses its statement. A statement
 * still being iterated (a stream) is never handed out twice: the caller gets a fresh one.
 */
function withStatementCache(database: Database.Database, size = STATEMENT_CACHE_SIZE): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => database.close(),
    prepare(sql) {
      const cached = statements.get(sql);
      if (cached !== undefined) {
        if (cached.busy) return database.prepare(sql);
        // Most recently used last.
        statements.delete(sql);
        statements.set(sql, cached);
        return cached;
      }
      const statement = database.prepare(sql);
      statements.set(sql, statement);
      if (statements.size > size) statements.delete(statements.keys().next().value!);
      return statement;
    },
  };
}
