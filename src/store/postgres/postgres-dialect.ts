import { PostgresDialect } from 'kysely';
import pg from 'pg';

type TypeParserLookup = (id: number, format?: 'text' | 'binary') => unknown;

const defaultTypeParser: TypeParserLookup = pg.types.getTypeParser;
const INT8_TYPE_ID: number = pg.types.builtins.INT8;

/**
 * Parse `bigint` columns and `count(*)` results as numbers, as better-sqlite3 does, so one query
 * path serves both dialects. Ferry's integers (sizes, counts, ids) stay far below 2^53.
 */
const numbersForBigints: TypeParserLookup = (id, format) =>
  id === INT8_TYPE_ID ? Number : defaultTypeParser(id, format);

const types: pg.CustomTypesConfig = {
  getTypeParser: numbersForBigints as pg.CustomTypesConfig['getTypeParser'],
};

/**
 * A Kysely dialect over a `pg` pool. With `schema`, every connection starts with
 * `search_path = <schema>`, so unqualified table names live in that schema.
 */
export function createPostgresDialect(connectionString: string, schema: string | undefined): PostgresDialect {
  const pool = new pg.Pool({
    connectionString,
    types,
    ...(schema === undefined ? {} : { options: `-c search_path=${schema}` }),
  });
  return new PostgresDialect({ pool });
}
