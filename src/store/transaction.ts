import type { Kysely, Transaction } from 'kysely';
import { FerryError, isFerryError } from '../core/index.js';
import { isTransientConflict, isUniqueViolation } from './database-errors.js';

/** How often `withTransaction` runs the work before it reports a CONFLICT. */
export const DEFAULT_TRANSACTION_ATTEMPTS = 8;

/** Is this error a lost race that running the transaction again can resolve? */
function isRetryable(error: unknown): boolean {
  if (isFerryError(error)) return error.code === 'CONFLICT';
  return isUniqueViolation(error) || isTransientConflict(error);
}

function pause(attempt: number): Promise<void> {
  const ms = Math.random() * 10 * attempt;
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Run `work` in one transaction, committed when it returns and rolled back when it throws. A lost
 * race (unique-constraint violation, serialization failure, busy SQLite file, or a FerryError
 * CONFLICT thrown by the work itself) runs the whole transaction again, so `work` must read
 * everything it decides on inside the transaction. After `attempts` lost races the last error is
 * reported as CONFLICT.
 */
export async function withTransaction<DB, T>(
  db: Kysely<DB>,
  work: (trx: Transaction<DB>) => Promise<T>,
  options: { attempts?: number } = {},
): Promise<T> {
  const attempts = options.attempts ?? DEFAULT_TRANSACTION_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction().execute(work);
    } catch (error) {
      if (!isRetryable(error)) throw error;
      if (attempt >= attempts) {
        if (isFerryError(error)) throw error;
        throw new FerryError('CONFLICT', 'a concurrent change won the race several times; retry the call', {
          cause: error,
        });
      }
      await pause(attempt);
    }
  }
}
