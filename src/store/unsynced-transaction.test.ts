import { sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import type { Tables } from './database-tables.js';
import { unsyncedTransaction } from './unsynced-transaction.js';

const model = (name: string) => ({
  name,
  description: '',
  created_at: '2024-01-01T00:00:00.000Z',
  created_by: 'ann',
});

/** How the connection syncs commits now: SQLite's `synchronous` level, Postgres's `synchronous_commit`. */
async function syncSetting(db: Kysely<Tables>, dialect: string): Promise<string> {
  if (dialect === 'postgres') {
    const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(db);
    return rows[0]!.synchronous_commit;
  }
  const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(db);
  return String(rows[0]!.synchronous);
}

describe('unsyncedTransaction', () => {
  forEachDialect((fixture) => {
    it('commits without syncing inside, and leaves every other transaction synced', async () => {
      const { database } = fixture;
      const before = await syncSetting(database.db, database.dialect);
      expect(before).toBe(database.dialect === 'postgres' ? 'on' : '2'); // FULL
      const inside = await unsyncedTransaction(database, async (trx) => {
        await trx.insertInto('models').values(model('a')).execute();
        return syncSetting(trx, database.dialect);
      });
      expect(inside).toBe(database.dialect === 'postgres' ? 'off' : '1'); // NORMAL
      expect(await syncSetting(database.db, database.dialect)).toBe(before);
      expect(await database.db.selectFrom('models').select('name').execute()).toEqual([{ name: 'a' }]);
    });

    it('rolls back and restores the setting when the work throws', async () => {
      const { database } = fixture;
      const before = await syncSetting(database.db, database.dialect);
      await expect(
        unsyncedTransaction(database, async (trx) => {
          await trx.insertInto('models').values(model('a')).execute();
          throw new Error('stop');
        }),
      ).rejects.toThrow('stop');
      expect(await syncSetting(database.db, database.dialect)).toBe(before);
      expect(await database.db.selectFrom('models').select('name').execute()).toEqual([]);
    });
  });
});
