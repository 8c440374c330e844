import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { scaleModel } from '../../../test/support/models.js';
import { createTestRegistry } from '../../../test/support/registries.js';
import { ReferenceCache } from './reference-cache.js';
import { ReferenceService } from './reference-service.js';
import { ReferenceStore } from './reference-store.js';

const CSV = 'x[0],x[1],x[2]\n1,2,3\n4,5,6\n';

describe('reference profiles in the database', () => {
  forEachDialect((fixture) => {
    it('are stored per version, replaced by a new dataset, read back, and deleted with their version', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ model: 'scale', artifact: scaleModel(1), actor: 'ann' });
      await registry.push({ model: 'scale', artifact: scaleModel(2), actor: 'ann' });
      const store = new ReferenceStore(fixture.database);
      let now = Date.UTC(2026, 2, 2);
      const cache = new ReferenceCache(store, { clock: () => now, refreshMs: 1000 });
      const service = new ReferenceService({ versions: registry, store, cache, clock: () => new Date(now) });

      const first = await service.attach({
        model: 'scale',
        ref: { kind: 'number', version: 1 },
        body: CSV,
        format: 'csv',
        actor: 'ann',
      });
      expect(first).toMatchObject({
        model: 'scale',
        version: 1,
        source: 'reference.csv',
        rows: 2,
        createdBy: 'ann',
        notes: [
          "output 'total' not profiled: a scalar output is not one value per row",
          'outputs not profiled: no runtime was given to run the model',
        ],
      });
      expect(first.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(first.features['x[0]']).toMatchObject({ count: 2, min: 1, max: 4 });

      // Another process (a second cache) sees the replacement once its entry is stale.
      const other = new ReferenceCache(new ReferenceStore(await fixture.open()), {
        clock: () => now,
        refreshMs: 1000,
      });
      expect((await other.get('scale', 1))?.rows).toBe(2);
      now += 10;
      await service.attach({
        model: 'scale',
        ref: { kind: 'number', version: 1 },
        body: `${CSV}7,8,9\n`,
        format: 'csv',
        source: 'train.csv',
        actor: 'bob',
      });
      expect((await other.get('scale', 1))?.rows).toBe(2); // still fresh
      now += 1000;
      expect(await other.get('scale', 1)).toMatchObject({ rows: 3, source: 'train.csv', createdBy: 'bob' });
      expect(other.peek('scale', 2)).toBeUndefined();
      expect(await other.get('scale', 2)).toBeNull();

      await expect(service.describe('scale', { kind: 'number', version: 2 })).rejects.toMatchObject({
        code: 'REFERENCE_NOT_FOUND',
      });
      await registry.deleteVersion('scale', 1, { actor: 'ann' });
      expect(await store.get('scale', 1)).toBeUndefined();
    });
  });
});
