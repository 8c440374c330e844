import type { Kysely } from 'kysely';
import type { DialectName } from '../dialect-name.js';

/**
 * One versioned schema change. It receives the dialect so the rare dialect-specific DDL (an
 * auto-increment id) can branch in the migration itself, never in the queries.
 */
export interface FerryMigration {
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
  down(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}
