import { randomBytes } from 'node:crypto';
import type { FerryDatabase } from '../../store/index.js';

const SALT_NAME = 'hash-salt';

/**
 * The salt of hashed fields, made once per database and kept in it (`monitoring_secrets`), so
 * every replica on the database hashes a value the same way and hashes survive restarts. Two
 * processes making it at once agree: the first insert wins and both read it back.
 */
export async function loadHashSalt(
  database: FerryDatabase,
  now: () => Date = () => new Date(),
): Promise<string> {
  await database.db
    .insertInto('monitoring_secrets')
    .values({ name: SALT_NAME, value: randomBytes(32).toString('hex'), created_at: now().toISOString() })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .execute();
  const row = await database.db
    .selectFrom('monitoring_secrets')
    .select('value')
    .where('name', '=', SALT_NAME)
    .executeTakeFirstOrThrow();
  return row.value;
}
