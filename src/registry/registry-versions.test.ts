import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../test/support/databases.js';
import { tinyModel } from '../../test/support/onnx-models.js';
import { createTestRegistry } from '../../test/support/registries.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

const ann = { actor: 'ann' };

describe('Registry versions', () => {
  forEachDialect((fixture) => {
    it('resolves the default reference to the default alias when the model has it', async () => {
      const { registry } = createTestRegistry(fixture, { defaultAlias: 'production' });
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 1 }), alias: 'production' });
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 2 }) });
      expect((await registry.getVersion('m', { kind: 'default' })).version).toBe(1);
    });

    it('resolves the default reference to the latest version when the default alias is absent', async () => {
      const { registry } = createTestRegistry(fixture, { defaultAlias: 'production' });
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 1 }), alias: 'staging' });
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 2 }) });
      expect((await registry.getVersion('m', { kind: 'default' })).version).toBe(2);
    });

    it('resolves an alias and a number', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 1 }), alias: 'staging' });
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 2 }) });
      expect((await registry.getVersion('m', { kind: 'alias', alias: 'staging' })).version).toBe(1);
      expect((await registry.getVersion('m', { kind: 'number', version: 2 })).version).toBe(2);
    });

    it('says what to do next when a model, version or alias does not exist', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ ...ann, model: 'm', artifact: tinyModel() });
      await expectFerryError(
        registry.getModel('x'),
        'MODEL_NOT_FOUND',
        "model 'x' does not exist; `ferry models list` shows the models",
        { exact: true },
      );
      await expectFerryError(registry.getVersion('x', { kind: 'default' }), 'MODEL_NOT_FOUND');
      await expectFerryError(registry.listVersions('x'), 'MODEL_NOT_FOUND');
      await expectFerryError(
        registry.getVersion('m', { kind: 'number', version: 7 }),
        'VERSION_NOT_FOUND',
        "model 'm' has no version 7; `ferry models show m` lists its versions",
        { exact: true },
      );
      await expectFerryError(
        registry.getVersion('m', { kind: 'alias', alias: 'gold' }),
        'VERSION_NOT_FOUND',
        "model 'm' has no alias 'gold'",
      );
    });

    it('lists models by name with their latest version and count', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ ...ann, model: 'zeta', artifact: tinyModel({ seed: 1 }) });
      await registry.push({ ...ann, model: 'alpha', artifact: tinyModel({ seed: 1 }) });
      await registry.push({ ...ann, model: 'alpha', artifact: tinyModel({ seed: 2 }) });
      const models = await registry.listModels();
      expect(models.map((model) => [model.name, model.latestVersion, model.versionCount])).toEqual([
        ['alpha', 2, 2],
        ['zeta', 1, 1],
      ]);
    });

    it('replaces the tags of a version, leaving the rest as it was', async () => {
      const { registry } = createTestRegistry(fixture);
      const { version } = await registry.push({
        ...ann,
        model: 'm',
        artifact: tinyModel(),
        tags: { team: 'risk' },
      });
      const updated = await registry.setTags('m', 1, { stage: 'shadow' });
      expect(updated).toEqual({ ...version, tags: { stage: 'shadow' } });
      await expectFerryError(registry.setTags('m', 9, {}), 'VERSION_NOT_FOUND');
    });

    it('returns no Markdown for a version pushed without a card', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ ...ann, model: 'm', artifact: tinyModel() });
      expect(await registry.getCard('m', { kind: 'default' })).toEqual({ markdown: null, metadata: {} });
    });

    it('blocks deleting a version an alias points at (409), then deletes it once the alias is gone', async () => {
      const { registry, artifacts } = createTestRegistry(fixture);
      const { version } = await registry.push({
        ...ann,
        model: 'm',
        artifact: tinyModel(),
        alias: 'production',
      });
      const blocked = await expectFerryError(
        registry.deleteVersion('m', 1, ann),
        'VERSION_IN_USE',
        "alias 'production'",
      );
      expect(blocked.status).toBe(409);
      await registry.deleteAlias('m', 'production', ann);
      expect(await registry.deleteVersion('m', 1, ann)).toMatchObject({ version: 1, aliases: [] });
      await expectFerryError(registry.getVersion('m', { kind: 'number', version: 1 }), 'VERSION_NOT_FOUND');
      expect(await artifacts.has(version.sha256)).toBe(false);
    });

    it('keeps the artifact when another model still has the same bytes', async () => {
      const { registry, artifacts } = createTestRegistry(fixture);
      const { version } = await registry.push({ ...ann, model: 'a', artifact: tinyModel() });
      await registry.push({ ...ann, model: 'b', artifact: tinyModel() });
      await registry.deleteVersion('a', 1, ann);
      expect(await artifacts.has(version.sha256)).toBe(true);
    });

    it('never reuses the number of a deleted version', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 1 }) });
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 2 }) });
      await registry.deleteVersion('m', 2, ann);
      const next = await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 3 }) });
      expect(next.version.version).toBe(3);
      expect((await registry.getModel('m')).latestVersion).toBe(3);
    });

    it('reports VERSION_NOT_FOUND when deleting a version that does not exist', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ ...ann, model: 'm', artifact: tinyModel() });
      await expectFerryError(registry.deleteVersion('m', 5, ann), 'VERSION_NOT_FOUND');
    });

    it('reports a model with no versions left as having none to serve', async () => {
      const { registry } = createTestRegistry(fixture);
      await registry.push({ ...ann, model: 'm', artifact: tinyModel() });
      await registry.deleteVersion('m', 1, ann);
      expect(await registry.getModel('m')).toMatchObject({ latestVersion: null, versionCount: 0 });
      await expectFerryError(
        registry.getVersion('m', { kind: 'default' }),
        'VERSION_NOT_FOUND',
        'no versions yet',
      );
    });
  });
});
