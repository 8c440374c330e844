import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { ErrorCode } from '../core/index.js';
import type { PushInput } from './registry-types.js';
import { forEachDialect } from '../../test/support/databases.js';
import { modelWithExternalData, tinyModel } from '../../test/support/onnx-models.js';
import { createTestRegistry } from '../../test/support/registries.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

const ann = { actor: 'ann' };

describe('Registry.push', () => {
  forEachDialect((fixture) => {
    const setup = () => createTestRegistry(fixture);
    const versionRows = () => fixture.database.db.selectFrom('model_versions').selectAll().execute();

    it('creates the model with version 1, then version 2 for new bytes', async () => {
      const { registry } = setup();
      const first = await registry.push({
        ...ann,
        model: 'fraud',
        artifact: tinyModel({ seed: 1 }),
        description: 'scores',
      });
      const second = await registry.push({ ...ann, model: 'fraud', artifact: tinyModel({ seed: 2 }) });
      expect([first.created, first.version.version, second.created, second.version.version]).toEqual([
        true,
        1,
        true,
        2,
      ]);
      expect(first.version).toMatchObject({
        model: 'fraud',
        format: 'onnx',
        createdBy: 'ann',
        createdAt: '2024-05-01T12:00:00.000Z',
        sizeBytes: tinyModel({ seed: 1 }).byteLength,
        sha256: createHash('sha256')
          .update(tinyModel({ seed: 1 }))
          .digest('hex'),
        signature: {
          inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }],
          outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, 2] }],
        },
        onnx: { irVersion: 8, producer: 'ferry', opsets: [{ domain: '', version: 17 }] },
        lineage: {},
        card: null,
        tags: {},
        aliases: [],
      });
      expect(await registry.getModel('fraud')).toMatchObject({
        name: 'fraud',
        description: 'scores',
        createdBy: 'ann',
        latestVersion: 2,
        versionCount: 2,
        aliases: {},
      });
    });

    it('accepts the artifact as a stream', async () => {
      const { registry } = setup();
      const bytes = tinyModel();
      const result = await registry.push({
        ...ann,
        model: 'm',
        artifact: Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]),
      });
      expect(Buffer.from(await registry.readArtifact(result.version))).toEqual(Buffer.from(bytes));
    });

    it('returns the existing version when the same bytes are pushed again, and still moves the alias', async () => {
      const { registry } = setup();
      const first = await registry.push({ ...ann, model: 'fraud', artifact: tinyModel({ seed: 1 }) });
      await registry.push({ ...ann, model: 'fraud', artifact: tinyModel({ seed: 2 }) });
      const again = await registry.push({
        actor: 'bob',
        model: 'fraud',
        artifact: tinyModel({ seed: 1 }),
        alias: 'production',
      });
      expect(again.created).toBe(false);
      expect(again.version).toMatchObject({
        version: 1,
        sha256: first.version.sha256,
        createdBy: 'ann',
        aliases: ['production'],
      });
      expect(await versionRows()).toHaveLength(2);
    });

    it('stores the same bytes as separate versions of different models', async () => {
      const { registry } = setup();
      const a = await registry.push({ ...ann, model: 'a', artifact: tinyModel() });
      const b = await registry.push({ ...ann, model: 'b', artifact: tinyModel() });
      expect([a.created, b.created, a.version.sha256 === b.version.sha256]).toEqual([true, true, true]);
    });

    it('gives concurrent pushes of different bytes distinct version numbers', async () => {
      const { registry } = setup();
      const results = await Promise.all(
        [1, 2, 3, 4, 5].map((seed) =>
          registry.push({ ...ann, model: 'busy', artifact: tinyModel({ seed }) }),
        ),
      );
      expect(results.map((result) => result.version.version).sort()).toEqual([1, 2, 3, 4, 5]);
      expect(new Set(results.map((result) => result.version.sha256)).size).toBe(5);
    });

    it('turns concurrent pushes of the same bytes into one version', async () => {
      const { registry } = setup();
      const results = await Promise.all(
        [1, 2, 3].map(() => registry.push({ ...ann, model: 'same', artifact: tinyModel() })),
      );
      expect(results.filter((result) => result.created)).toHaveLength(1);
      expect(new Set(results.map((result) => result.version.version))).toEqual(new Set([1]));
    });

    it('keeps the card, lineage, tags and signature overrides given at push', async () => {
      const { registry } = setup();
      const card = '---\nlicense: mit\n---\n# Tiny\n';
      const lineage = { trainingData: { uri: 's3://b/train.csv' }, metrics: { auc: 0.9 } };
      const { version } = await registry.push({
        ...ann,
        model: 'm',
        artifact: tinyModel(),
        card,
        lineage,
        tags: { team: 'risk' },
        signature: {
          inputs: { x: { features: ['a', 'b', 'c'] } },
          outputs: { y: { labels: ['no', 'yes'] } },
        },
      });
      const read = await registry.getVersion('m', { kind: 'number', version: 1 });
      expect(read).toEqual(version);
      expect(read).toMatchObject({ card, lineage, tags: { team: 'risk' } });
      expect(read.signature.inputs[0]?.features).toEqual(['a', 'b', 'c']);
      expect(read.signature.outputs[0]?.labels).toEqual(['no', 'yes']);
      expect(await registry.getCard('m', { kind: 'default' })).toEqual({
        metadata: { license: 'mit' },
        markdown: '# Tiny\n',
      });
    });

    it.each([
      ['model name', { model: 'Bad/Name' }, 'INVALID_MODEL_NAME', 'lowercase letters'],
      ['alias', { alias: '1st' }, 'INVALID_ALIAS', 'starting with a letter'],
      ['card', { card: '---\n: : :\n  - [\n---\n' }, 'INVALID_MODEL_CARD', 'not valid YAML'],
      ['lineage', { lineage: { dataset: 'x' } }, 'INVALID_LINEAGE', "unknown key 'dataset'"],
      [
        'signature override',
        { signature: { inputs: { x: { features: ['a'] } } } },
        'INVALID_SIGNATURE',
        '1 feature names',
      ],
      ['actor', { actor: '' }, 'INVALID_ARGUMENT', 'actor'],
    ])(
      'rejects an invalid %s with its code and writes no version',
      async (_field, override, code, message) => {
        const { registry } = setup();
        await expectFerryError(
          // The overrides are deliberately invalid, as an untyped JSON body could be.
          registry.push({ ...ann, model: 'm', artifact: tinyModel(), ...(override as Partial<PushInput>) }),
          code as ErrorCode,
          message,
        );
        expect(await versionRows()).toEqual([]);
        expect(await fixture.database.db.selectFrom('models').selectAll().execute()).toEqual([]);
      },
    );

    it('rejects garbage bytes with INVALID_ARTIFACT, writes no version and deletes the blob', async () => {
      const { registry, artifacts } = setup();
      const garbage = new TextEncoder().encode('this is not a model');
      await expectFerryError(registry.push({ ...ann, model: 'm', artifact: garbage }), 'INVALID_ARTIFACT');
      expect(await versionRows()).toEqual([]);
      expect(await artifacts.has(createHash('sha256').update(garbage).digest('hex'))).toBe(false);
    });

    it('refuses external data that escapes the model folder with UNSAFE_ARTIFACT', async () => {
      const { registry } = setup();
      await expectFerryError(
        registry.push({ ...ann, model: 'm', artifact: modelWithExternalData('../../etc/passwd') }),
        'UNSAFE_ARTIFACT',
        '../../etc/passwd',
      );
      expect(await versionRows()).toEqual([]);
    });

    it('refuses external data inside the model folder too, saying how to save the model', async () => {
      const { registry } = setup();
      await expectFerryError(
        registry.push({ ...ann, model: 'm', artifact: modelWithExternalData('weights.bin') }),
        'INVALID_ARTIFACT',
        'external data is not supported: save the model with all tensors inside the file',
        { exact: true },
      );
    });

    it('refuses an artifact over maxArtifactBytes with ARTIFACT_TOO_LARGE', async () => {
      const { registry } = createTestRegistry(fixture, { maxArtifactBytes: 64 });
      await expectFerryError(
        registry.push({ ...ann, model: 'm', artifact: tinyModel() }),
        'ARTIFACT_TOO_LARGE',
      );
      expect(await versionRows()).toEqual([]);
    });

    it('writes no version when the alias move fails, keeping the push atomic', async () => {
      const { registry } = setup();
      await registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 1 }) });
      // Sabotage alias events so the alias move fails inside the push transaction.
      await fixture.database.db.schema.dropTable('alias_events').execute();
      await expect(
        registry.push({ ...ann, model: 'm', artifact: tinyModel({ seed: 2 }), alias: 'production' }),
      ).rejects.toThrow();
      expect((await versionRows()).map((row) => row.version)).toEqual([1]);
      expect(await fixture.database.db.selectFrom('aliases').selectAll().execute()).toEqual([]);
    });

    it('detects an artifact corrupted on disk when reading it back', async () => {
      const { registry, artifacts } = setup();
      const { version } = await registry.push({ ...ann, model: 'm', artifact: tinyModel() });
      await writeFile(artifacts.pathOf(version.sha256), tinyModel({ seed: 9 }));
      await expectFerryError(registry.readArtifact(version), 'ARTIFACT_CORRUPTED');
    });
  });
});
