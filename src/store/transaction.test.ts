import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { FerryError } from '../core/index.js';
import { withTransaction } from './transaction.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

const model = (name: string) => ({
  name,
  description: '',
  created_at: '2024-01-01T00:00:00.000Z',
  created_by: 'ann',
});

describe('withTransaction', () => {
  forEachDialect((fixture) => {
    it('commits the work when it returns', async () => {
      const { db } = fixture.database;
      await withTransaction(db, (trx) => trx.insertInto('models').values(model('a')).execute());
      expect(await db.selectFrom('models').select('name').execute()).toEqual([{ name: 'a' }]);
    });

    it('rolls everything back when the work throws', async () => {
      const { db } = fixture.database;
      await expect(
        withTransaction(db, async (trx) => {
          await trx.insertInto('models').values(model('a')).execute();
          throw new FerryError('INVALID_ARGUMENT', 'stop');
        }),
      ).rejects.toThrow('stop');
      expect(await db.selectFrom('models').select('name').execute()).toEqual([]);
    });

    it('runs the work again after it loses a race on a unique constraint', async () => {
      const { db } = fixture.database;
      await db.insertInto('models').values(model('taken')).execute();
      let attempts = 0;
      const name = await withTransaction(db, async (trx) => {
        attempts += 1;
        const candidate = attempts === 1 ? 'taken' : 'free';
        await trx.insertInto('models').values(model(candidate)).execute();
        return candidate;
      });
      expect({ attempts, name }).toEqual({ attempts: 2, name: 'free' });
    });

    it('reports CONFLICT when the race is lost on every attempt', async () => {
      const { db } = fixture.database;
      await db.insertInto('models').values(model('taken')).execute();
      await expectFerryError(
        withTransaction(db, (trx) => trx.insertInto('models').values(model('taken')).execute(), {
          attempts: 2,
        }),
        'CONFLICT',
      );
    });
  });
});
