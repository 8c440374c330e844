import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { openDatabase } from './open-database.js';
import { MIGRATIONS } from './migrations/migration-provider.js';
import { SQLITE_PAGE_SIZE } from './sqlite/sqlite-dialect.js';

describe('openDatabase', () => {
  forEachDialect((fixture) => {
    it('runs the migrations once: opening the same database again changes nothing', async () => {
      await fixture.database.db
        .insertInto('models')
        .values({ name: 'kept', description: '', created_at: '2024-01-01T00:00:00.000Z', created_by: 'ann' })
        .execute();
      const again = await fixture.open();
      const applied = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(
        again.db,
      );
      expect(applied.rows.map((row) => row.name)).toEqual(Object.keys(MIGRATIONS));
      const models = await again.db.selectFrom('models').select('name').execute();
      expect(models).toEqual([{ name: 'kept' }]);
    });

    it('returns integers, bigints and counts as numbers', async () => {
      const { db } = fixture.database;
      await db
        .insertInto('models')
        .values({ name: 'm', description: '', created_at: '2024-01-01T00:00:00.000Z', created_by: 'ann' })
        .execute();
      await db
        .insertInto('model_versions')
        .values({
          model_name: 'm',
          version: 1,
          sha256: 'a'.repeat(64),
          size_bytes: 3_000_000_000,
          format: 'onnx',
          created_at: '2024-01-01T00:00:00.000Z',
          created_by: 'ann',
          signature_json: '{}',
          lineage_json: '{}',
          card: null,
          tags_json: '{}',
          onnx_json: '{}',
        })
        .execute();
      const row = await db
        .selectFrom('model_versions')
        .select(['version', 'size_bytes'])
        .select((eb) => eb.fn.countAll<number>().over().as('total'))
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ version: 1, size_bytes: 3_000_000_000, total: 1 });
    });

    it('numbers alias events from 1 upwards', async () => {
      const { db } = fixture.database;
      await db
        .insertInto('models')
        .values({ name: 'm', description: '', created_at: '2024-01-01T00:00:00.000Z', created_by: 'ann' })
        .execute();
      const event = {
        model_name: 'm',
        alias: 'production',
        from_version: null,
        to_version: null,
        actor: 'ann',
        reason: null,
        at: '2024-01-01T00:00:00.000Z',
      };
      await db.insertInto('alias_events').values([event, event]).execute();
      const ids = await db.selectFrom('alias_events').select('id').orderBy('id').execute();
      expect(ids).toEqual([{ id: 1 }, { id: 2 }]);
    });

    it('enforces foreign keys: an alias cannot point at a version that does not exist', async () => {
      const { db } = fixture.database;
      await db
        .insertInto('models')
        .values({ name: 'm', description: '', created_at: '2024-01-01T00:00:00.000Z', created_by: 'ann' })
        .execute();
      await expect(
        db
          .insertInto('aliases')
          .values({ model_name: 'm', alias: 'production', version: 9, updated_at: 'x', updated_by: 'ann' })
          .execute(),
      ).rejects.toThrow();
    });

    it('applies its connection settings', async () => {
      const { db, dialect } = fixture.database;
      expect(dialect).toBe(fixture.dialect);
      if (dialect === 'sqlite') {
        const pragma = async (name: string) =>
          Object.values(
            (await sql.raw<Record<string, unknown>>(`pragma ${name}`).execute(db)).rows[0] ?? {},
          )[0];
        expect(await pragma('journal_mode')).toBe('wal');
        expect(await pragma('synchronous')).toBe(2); // FULL
        expect(await pragma('foreign_keys')).toBe(1);
        expect(await pragma('busy_timeout')).toBe(5000);
        expect(await pragma('page_size')).toBe(SQLITE_PAGE_SIZE);
      } else {
        const result = await sql<{ schema: string }>`select current_schema() as schema`.execute(db);
        expect(fixture.url).toContain(`schema=${result.rows[0]?.schema}`);
      }
    });
  });

  it('opens a SQLite file made with the default 4 KiB pages as it is, data and page size unchanged', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ferry-page-size-'));
    try {
      const path = join(dir, 'old.db');
      const old = new Database(path);
      old.pragma('journal_mode = WAL');
      old.exec('create table kept (body blob)');
      old.prepare('insert into kept (body) values (?)').run(Buffer.alloc(100_000, 7));
      old.close();
      const database = await openDatabase({ url: `sqlite:${path}`, dataDir: dir });
      try {
        const pageSize = await sql<{ page_size: number }>`pragma page_size`.execute(database.db);
        expect(pageSize.rows[0]?.page_size).toBe(4096);
        const kept = await sql<{ size: number }>`select length(body) as size from kept`.execute(database.db);
        expect(kept.rows).toEqual([{ size: 100_000 }]);
        // The migrations ran on the old file like on a new one.
        const models = await database.db.selectFrom('models').select('name').execute();
        expect(models).toEqual([]);
      } finally {
        await database.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
