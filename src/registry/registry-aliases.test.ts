import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { tinyModel } from '../../test/support/onnx-models.js';
import { createTestRegistry } from '../../test/support/registries.js';
import type { Registry } from './registry.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

async function withVersions(registry: Registry, model: string, count: number): Promise<void> {
  for (let seed = 1; seed <= count; seed++) {
    await registry.push({ actor: 'ann', model, artifact: tinyModel({ seed }) });
  }
}

describe('Registry aliases', () => {
  forEachDialect((fixture) => {
    it('records who set, moved and deleted an alias, when, from where to where and why', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 2);
      const set = await registry.setAlias('fraud', 'production', 1, {
        actor: 'ann',
        reason: 'first release',
      });
      const moved = await registry.setAlias('fraud', 'production', 2, { actor: 'bob', reason: 'better auc' });
      const deleted = await registry.deleteAlias('fraud', 'production', { actor: 'cy' });
      expect(set).toMatchObject({
        model: 'fraud',
        alias: 'production',
        fromVersion: null,
        toVersion: 1,
        actor: 'ann',
        reason: 'first release',
      });
      expect(moved).toMatchObject({ fromVersion: 1, toVersion: 2, actor: 'bob', reason: 'better auc' });
      expect(deleted).toMatchObject({ fromVersion: 2, toVersion: null, actor: 'cy', reason: null });
      expect(Date.parse(moved.at)).toBeGreaterThan(Date.parse(set.at));
      expect(await registry.aliasHistory('fraud', 'production')).toEqual([deleted, moved, set]);
      expect((await registry.getModel('fraud')).aliases).toEqual({});
    });

    it('shows the aliases on the model and on the versions they point at', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 2);
      await registry.setAlias('fraud', 'production', 1, { actor: 'ann' });
      await registry.setAlias('fraud', 'staging', 2, { actor: 'ann' });
      await registry.setAlias('fraud', 'canary', 2, { actor: 'ann' });
      expect((await registry.getModel('fraud')).aliases).toEqual({ canary: 2, production: 1, staging: 2 });
      const versions = await registry.listVersions('fraud');
      expect(versions.map((version) => [version.version, version.aliases])).toEqual([
        [1, ['production']],
        [2, ['canary', 'staging']],
      ]);
    });

    it('treats setting an alias to its current version as a no-op that returns the last event', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 1);
      const first = await registry.setAlias('fraud', 'production', 1, { actor: 'ann' });
      const again = await registry.setAlias('fraud', 'production', 1, { actor: 'bob' });
      expect(again).toEqual(first);
      expect(await registry.aliasHistory('fraud')).toHaveLength(1);
    });

    it('lists the history of all aliases of a model, newest first', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 2);
      await registry.setAlias('fraud', 'production', 1, { actor: 'ann' });
      await registry.setAlias('fraud', 'staging', 2, { actor: 'ann' });
      const history = await registry.aliasHistory('fraud');
      expect(history.map((event) => event.alias)).toEqual(['staging', 'production']);
    });

    it('records the alias move of a push with the push actor and reason', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({
        actor: 'ann',
        reason: 'nightly',
        model: 'fraud',
        artifact: tinyModel(),
        alias: 'staging',
      });
      expect(await registry.aliasHistory('fraud', 'staging')).toMatchObject([
        { fromVersion: null, toVersion: 1, actor: 'ann', reason: 'nightly' },
      ]);
    });

    it('refuses an alias on a version that does not exist', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 1);
      await expectFerryError(
        registry.setAlias('fraud', 'production', 7, { actor: 'ann' }),
        'VERSION_NOT_FOUND',
        "model 'fraud' has no version 7; `ferry models show fraud` lists its versions",
        { exact: true },
      );
      await expectFerryError(registry.setAlias('nope', 'production', 1, { actor: 'ann' }), 'MODEL_NOT_FOUND');
    });

    it('refuses an invalid alias name', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 1);
      await expectFerryError(registry.setAlias('fraud', '42', 1, { actor: 'ann' }), 'INVALID_ALIAS');
    });

    it('reports ALIAS_NOT_FOUND when deleting an alias that does not exist', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 1);
      await expectFerryError(
        registry.deleteAlias('fraud', 'staging', { actor: 'ann' }),
        'ALIAS_NOT_FOUND',
        "model 'fraud' has no alias 'staging'",
      );
    });

    it('keeps one consistent history when the same alias is moved concurrently', async () => {
      const { registry } = createTestRegistry(fixture);
      await withVersions(registry, 'fraud', 4);
      await Promise.all(
        [1, 2, 3, 4].map((version) =>
          registry.setAlias('fraud', 'production', version, { actor: `u${version}` }),
        ),
      );
      const history = [...(await registry.aliasHistory('fraud', 'production'))].reverse();
      // Each recorded move starts where the previous one ended.
      history.forEach((event, index) =>
        expect(event.fromVersion).toBe(index === 0 ? null : history[index - 1]?.toVersion),
      );
      expect((await registry.getModel('fraud')).aliases.production).toBe(history.at(-1)?.toVersion);
    });
  });
});
