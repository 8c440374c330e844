import { sql, type Transaction } from 'kysely';
import type { Tables } from './database-tables.js';
import type { FerryDatabase } from './open-database.js';

/**
 * Run `work` in one transaction whose commit does not wait for the disk, for data no caller was
 * promised (the prediction log, which drops rows when its buffer is full). A crash of the process
 * loses nothing the commit returned (the operating system holds it); a power cut can lose the last
 * such commits, never the database's consistency. The next synced commit (feedback, say) makes
 * them durable, since it syncs the log that holds them. Every other transaction stays synced.
 *
 * SQLite (WAL): `synchronous = NORMAL` on the connection for this transaction, then the previous
 * setting again; better-sqlite3 syncs on the event loop, so this also keeps a sync per flush from
 * stalling serving. Postgres: `SET LOCAL synchronous_commit = off`, which ends with the transaction.
 */
export async function unsyncedTransaction<T>(
  database: FerryDatabase,
  work: (trx: Transaction<Tables>) => Promise<T>,
): Promise<T> {
  if (database.dialect === 'postgres') {
    return database.db.transaction().execute(async (trx) => {
      await sql`set local synchronous_commit = off`.execute(trx);
      return work(trx);
    });
  }
  // One connection for the three steps: no other query runs with the setting lowered.
  return database.db.connection().execute(async (connection) => {
    const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(connection);
    const previous = rows[0]?.synchronous ?? 2;
    await sql`pragma synchronous = normal`.execute(connection);
    try {
      return await connection.transaction().execute(work);
    } finally {
      await sql.raw(`pragma synchronous = ${Number(previous)}`).execute(connection);
    }
  });
}
