import { isAbsolute, join, resolve } from 'node:path';
import { FerryError } from '../core/index.js';

/** Where the database lives, parsed from `database.url`. */
export type DatabaseLocation =
  | { readonly dialect: 'sqlite'; readonly path: string }
  | {
      readonly dialect: 'postgres';
      /** The URL handed to `pg`, without Ferry's own `schema` parameter. */
      readonly connectionString: string;
      /** Schema to create and use (search_path), from `?schema=name`; undefined for the server default. */
      readonly schema: string | undefined;
      /** The URL without its password, safe for messages and logs. */
      readonly display: string;
    };

/** Name of the SQLite file inside the data folder when `database.url` is empty. */
export const DEFAULT_SQLITE_FILE = 'ferry.db';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Parse `database.url`: '' is the SQLite file `<dataDir>/ferry.db`; `sqlite:<path>` another SQLite
 * file (relative to the working folder; `sqlite::memory:` for an in-memory database);
 * `postgres://…` or `postgresql://…` a Postgres server, with an optional `?schema=name`.
 */
export function parseDatabaseUrl(url: string, dataDir: string): DatabaseLocation {
  if (url === '') return { dialect: 'sqlite', path: join(dataDir, DEFAULT_SQLITE_FILE) };
  if (url.startsWith('sqlite:')) {
    const path = url.slice('sqlite:'.length);
    if (path === '') {
      throw new FerryError('INVALID_CONFIG', "database.url 'sqlite:' names no file; write 'sqlite:<path>'");
    }
    if (path === ':memory:') return { dialect: 'sqlite', path };
    return { dialect: 'sqlite', path: isAbsolute(path) ? path : resolve(path) };
  }
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return parsePostgresUrl(url);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1] ?? 'an unknown scheme';
  throw new FerryError(
    'INVALID_CONFIG',
    `database.url uses ${scheme}, which Ferry does not support; use '' (SQLite in dataDir), 'sqlite:<path>' or 'postgres://user@host:5432/db'`,
  );
}

function parsePostgresUrl(url: string): DatabaseLocation {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new FerryError('INVALID_CONFIG', 'database.url is not a valid postgres:// URL', { cause: error });
  }
  const schema = parsed.searchParams.get('schema') ?? undefined;
  if (schema !== undefined && !SCHEMA_NAME.test(schema)) {
    throw new FerryError(
      'INVALID_CONFIG',
      `database.url asks for schema '${schema}'; a schema name is 1-63 lowercase letters, digits and '_', not starting with a digit`,
    );
  }
  parsed.searchParams.delete('schema');
  const connectionString = parsed.toString();
  parsed.password = '';
  return { dialect: 'postgres', connectionString, schema, display: parsed.toString() };
}
