import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterEach, beforeEach, describe } from 'vitest';
import { openDatabase, type DialectName, type FerryDatabase } from '../../src/store/index.js';

/** The Postgres server the store tests use; a fresh schema is made on it for every test. */
export const POSTGRES_TEST_URL =
  process.env.FERRY_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** CI sets this so that an unreachable Postgres fails the run instead of skipping its cases. */
const postgresRequired = process.env.FERRY_TEST_REQUIRE_POSTGRES === '1';

/** The database a test runs against, fresh for each test and removed after it. */
export interface DatabaseFixture {
  readonly dialect: DialectName;
  /** The database opened (and migrated) for the current test. */
  readonly database: FerryDatabase;
  /** `database.url` of the current test's database. */
  readonly url: string;
  /** A temporary folder of the current test (SQLite file, artifacts), removed after it. */
  readonly dataDir: string;
  /** Open another handle on the same database; it is closed after the test. */
  open(): Promise<FerryDatabase>;
}

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

const postgresProblem = await probePostgres();
const skipPostgres = postgresProblem !== undefined && !postgresRequired;
if (skipPostgres) {
  console.warn(
    `Postgres cases skipped: ${POSTGRES_TEST_URL} did not answer (${postgresProblem}). ` +
      'Set FERRY_TEST_POSTGRES_URL to a reachable server, or FERRY_TEST_REQUIRE_POSTGRES=1 to fail instead.',
  );
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

function withSchema(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('schema', schema);
  return parsed.toString();
}

/**
 * Define the same tests once per dialect: `describe('sqlite')` on a fresh SQLite file in a temp
 * folder, and `describe('postgres')` on a fresh schema `ferry_test_<random>` of
 * FERRY_TEST_POSTGRES_URL, dropped after each test. When Postgres does not answer, its cases are
 * skipped with a printed reason, unless FERRY_TEST_REQUIRE_POSTGRES=1 makes them fail.
 */
export function forEachDialect(define: (fixture: DatabaseFixture) => void): void {
  for (const dialect of ['sqlite', 'postgres'] as const) {
    const describeDialect = dialect === 'postgres' && skipPostgres ? describe.skip : describe;
    describeDialect(dialect, () => {
      define(dialectFixture(dialect));
    });
  }
}

function dialectFixture(dialect: DialectName): DatabaseFixture {
  let current: { url: string; dataDir: string; database: FerryDatabase } | undefined;
  let opened: FerryDatabase[] = [];
  let schema: string | undefined;
  let dataDir: string | undefined;

  const require = () => {
    if (current === undefined) throw new Error('the database fixture is only available inside a test');
    return current;
  };

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'ferry-test-'));
    let url = '';
    if (dialect === 'postgres') {
      if (postgresProblem !== undefined) {
        throw new Error(
          `Postgres is required (FERRY_TEST_REQUIRE_POSTGRES=1) but ${POSTGRES_TEST_URL} did not answer: ${postgresProblem}`,
        );
      }
      schema = `ferry_test_${Math.random().toString(36).slice(2, 12)}`;
      url = withSchema(POSTGRES_TEST_URL, schema);
    }
    const database = await openDatabase({ url, dataDir });
    opened.push(database);
    current = { url, dataDir, database };
  });

  afterEach(async () => {
    for (const database of opened) await database.close();
    opened = [];
    if (schema !== undefined) await dropSchema(schema);
    schema = undefined;
    if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    dataDir = undefined;
    current = undefined;
  });

  return {
    dialect,
    get database() {
      return require().database;
    },
    get url() {
      return require().url;
    },
    get dataDir() {
      return require().dataDir;
    },
    async open() {
      const { url, dataDir } = require();
      const database = await openDatabase({ url, dataDir });
      opened.push(database);
      return database;
    },
  };
}
