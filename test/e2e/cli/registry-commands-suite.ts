import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCliError, expectJson, expectSuccess, ferryCli, type Ferry } from '../../support/cli.js';
import { scaleModel } from '../../support/models.js';

/** Where a suite's CLI calls go: the global flags that name it, and how to clean it up. */
export interface CliTarget {
  /** `--data-dir <dir>` or `--server <url>`. */
  readonly globalArgs: string[];
  close(): Promise<void>;
}

/** What a suite covers beyond what both modes share. */
export interface SuiteOptions {
  /**
   * Also check the tables (the same code prints them in both modes) and what the CLI refuses
   * before it calls any API (missing files, bad flags, bad JSON), which no mode changes.
   */
  readonly fullOutput: boolean;
}

/** The user the CLI runs as (USER), recorded as the actor of every change. */
export const ACTOR = 'ci-bot';

export const CARD = `---
title: Scale
license: MIT
---
# Scale model

Returns its input times a scale.
`;

const REQUEST = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] };

/**
 * The registry and predict commands, which must behave the same in both modes: directly on a
 * data folder and against a running server. Each test builds on the state the previous ones
 * left; calls that do not depend on each other run together (each CLI start costs half a second).
 */
export function describeRegistryCommands(
  mode: string,
  openTarget: () => Promise<CliTarget>,
  { fullOutput }: SuiteOptions,
): void {
  describe(`ferry models and predict (${mode})`, () => {
    let workdir: string;
    let target: CliTarget;
    let ferry: Ferry;

    beforeAll(async () => {
      workdir = mkdtempSync(join(tmpdir(), 'ferry-cli-'));
      writeFileSync(join(workdir, 'scale1.onnx'), scaleModel(1));
      writeFileSync(join(workdir, 'scale2.onnx'), scaleModel(2));
      writeFileSync(join(workdir, 'garbage.onnx'), 'definitely not protobuf');
      writeFileSync(join(workdir, 'card.md'), CARD);
      writeFileSync(join(workdir, 'request.json'), JSON.stringify(REQUEST));
      writeFileSync(
        join(workdir, 'signature.json'),
        JSON.stringify({
          inputs: { x: { features: ['a', 'b', 'c'] } },
          outputs: { y: { labels: ['p', 'q', 'r'] } },
        }),
      );
      target = await openTarget();
      ferry = ferryCli(target.globalArgs, { cwd: workdir, env: { USER: ACTOR } });
    });

    afterAll(async () => {
      await target?.close();
      if (workdir !== undefined) rmSync(workdir, { recursive: true, force: true });
    });

    it('pushes a file with an alias, lineage, tags and a card, and says what it stored', async () => {
      const stdout = expectSuccess(
        await ferry(
          'models',
          'push',
          'scale1.onnx',
          '--name',
          'scale',
          '--alias',
          'production',
          '--reason',
          'first release',
          '--lineage',
          'data=s3://bucket/train.csv',
          '--lineage',
          'data.digest=sha256:abc123',
          '--lineage',
          'metrics.accuracy=0.9',
          '--lineage',
          'params.epochs=20',
          '--lineage',
          'code=git+https://example.com/scale@4f2e1d',
          '--tag',
          'team=risk',
          '--tag',
          'stage=beta',
          '--card',
          'card.md',
          '--description',
          'multiplies its input',
        ),
      );
      expect(stdout).toMatch(/^pushed scale version 1 \(sha256 [0-9a-f]{12}…, 284 B\)\n/);
      expect(stdout).toContain('alias production → version 1\n');
    });

    it('lists, shows and prints the card of what was pushed', async () => {
      const [list, model, byAlias, byNumber, card] = await Promise.all([
        ferry('models', 'list', '--json'),
        ferry('models', 'show', 'scale'),
        ferry('models', 'show', 'scale@production'),
        ferry('models', 'show', 'scale:1', '--json'),
        ferry('models', 'card', 'scale@production'),
      ]);
      expect(expectJson(list)).toEqual([
        {
          name: 'scale',
          description: 'multiplies its input',
          createdAt: expect.any(String),
          createdBy: ACTOR,
          latestVersion: 1,
          versionCount: 1,
          aliases: { production: 1 },
        },
      ]);

      const modelText = expectSuccess(model);
      expect(modelText).toMatch(/^model\s+scale\n/);
      expect(modelText).toMatch(/description\s+multiplies its input/);
      expect(modelText).toMatch(/│ 1\s+│ production\s+│ [0-9a-f]{12}\s+│ 284 B\s+│ .* │ ci-bot │/);

      const version = expectSuccess(byAlias);
      expect(version).toMatch(/^model\s+scale\nversion\s+1\naliases\s+production\n/);
      expect(version).toMatch(/tags\s+team=risk, stage=beta/);
      expect(version).toMatch(/training data\s+s3:\/\/bucket\/train\.csv sha256:abc123/);
      expect(version).toMatch(/code\s+git\+https:\/\/example\.com\/scale@4f2e1d/);
      expect(version).toMatch(/metrics\s+\{"accuracy":0\.9\}/);
      expect(version).toMatch(/parameters\s+\{"epochs":20\}/);
      expect(version).toMatch(/│ input\s+│ x\s+│ FP32\s+│ \[-1,3\]/);
      expect(version).toMatch(/│ output\s+│ total\s+│ FP32\s+│ \[\]/);

      const json = expectJson(byNumber);
      expect(json).toMatchObject({
        model: 'scale',
        version: 1,
        aliases: ['production'],
        createdBy: ACTOR,
        card: CARD,
        tags: { team: 'risk', stage: 'beta' },
        lineage: {
          trainingData: { uri: 's3://bucket/train.csv', digest: 'sha256:abc123' },
          code: 'git+https://example.com/scale@4f2e1d',
          parameters: { epochs: 20 },
          metrics: { accuracy: 0.9 },
        },
      });
      expect(json.sha256).toMatch(/^[0-9a-f]{64}$/);

      expect(expectSuccess(card)).toContain('# Scale model\n\nReturns its input times a scale.\n');
    });

    if (fullOutput) {
      it('prints the model list as a table and a card as JSON', async () => {
        const [table, card] = await Promise.all([
          ferry('models', 'list'),
          ferry('models', 'card', 'scale:1', '--json'),
        ]);
        const text = expectSuccess(table);
        expect(text).toMatch(/│ model\s+│ versions\s+│ latest\s+│ aliases\s+│ created/);
        expect(text).toMatch(/│ scale\s+│ 1\s+│ 1\s+│ production→1\s+│/);
        expect(expectJson(card).markdown).toContain('Returns its input times a scale.');
      });
    }

    it('says the bytes are already stored when the same file is pushed again, and stores a new file as version 2', async () => {
      const [again, againJson, second] = await Promise.all([
        fullOutput ? ferry('models', 'push', 'scale1.onnx', '--name', 'scale') : undefined,
        ferry('models', 'push', 'scale1.onnx', '--name', 'scale', '--json'),
        ferry('models', 'push', 'scale2.onnx', '--name', 'scale', '--signature', 'signature.json', '--json'),
      ]);
      if (again !== undefined) {
        expect(expectSuccess(again)).toMatch(
          /^scale version 1 already holds these bytes \(sha256 [0-9a-f]{12}…\); nothing new was stored\n$/,
        );
      }
      expect(expectJson(againJson)).toMatchObject({ created: false, version: { version: 1 } });
      const pushed = expectJson(second);
      expect(pushed).toMatchObject({ created: true, version: { version: 2 } });
      expect(pushed.version.signature.inputs[0].features).toEqual(['a', 'b', 'c']);
      expect(pushed.version.signature.outputs[0].labels).toEqual(['p', 'q', 'r']);
      if (!fullOutput) return;

      const shown = expectSuccess(await ferry('models', 'show', 'scale:2'));
      expect(shown).toMatch(/│ input\s+│ x\s+│ FP32\s+│ \[-1,3\]\s+│ a, b, c\s+│/);
      expect(shown).toMatch(/│ output\s+│ y\s+│ FP32\s+│ \[-1,3\]\s+│ p, q, r\s+│/);
    });

    it('sets and moves an alias, and prints its history newest first with actor and reason', async () => {
      expect(
        expectSuccess(await ferry('models', 'alias', 'set', 'scale', 'staging', '1', '--reason', 'canary')),
      ).toBe('scale@staging: (unset) → 1\n');
      expect(
        expectSuccess(await ferry('models', 'alias', 'set', 'scale', 'staging', '2', '--reason', 'v2')),
      ).toBe('scale@staging: 1 → 2\n');
      const [history, inUse, production] = await Promise.all([
        ferry('models', 'alias', 'history', 'scale', '--json'),
        ferry('models', 'rm', 'scale:2'),
        fullOutput ? ferry('models', 'alias', 'history', 'scale', 'production') : undefined,
      ]);
      expect(
        expectJson(history).map((e: any) => [e.alias, e.fromVersion, e.toVersion, e.actor, e.reason]),
      ).toEqual([
        ['staging', 1, 2, ACTOR, 'v2'],
        ['staging', null, 1, ACTOR, 'canary'],
        ['production', null, 1, ACTOR, 'first release'],
      ]);
      expectCliError(
        inUse,
        'VERSION_IN_USE',
        "version 2 of model 'scale' is still the target of alias 'staging'",
      );
      if (production !== undefined) {
        const table = expectSuccess(production);
        expect(table).toMatch(/│ production\s+│ -\s+│ 1\s+│ ci-bot\s+│ first release\s+│/);
        expect(table).not.toContain('staging');
      }
    });

    it('deletes an alias, then the version it pointed to', async () => {
      expect(
        expectSuccess(await ferry('models', 'alias', 'rm', 'scale', 'staging', '--reason', 'done')),
      ).toBe('scale@staging deleted (was version 2)\n');
      const [deleted, gone] = await Promise.all([
        ferry('models', 'rm', 'scale:2'),
        ferry('models', 'alias', 'rm', 'scale', 'staging'),
      ]);
      expect(expectSuccess(deleted)).toBe('deleted scale version 2\n');
      expectCliError(gone, 'ALIAS_NOT_FOUND', "model 'scale' has no alias 'staging'");
      expectCliError(
        await ferry('models', 'show', 'scale:2'),
        'VERSION_NOT_FOUND',
        "model 'scale' has no version 2",
      );
    });

    it('predicts from a full request inline or as @file, and from bare rows for a one-input model', async () => {
      const [inline, rows, row, badShape, fromFile] = await Promise.all([
        ferry('predict', 'scale@production', '--input', JSON.stringify(REQUEST), '--json'),
        ferry('predict', 'scale@production', '--input', '[[1,2,3],[4,5,6]]', '--json'),
        ferry('predict', 'scale', '--input', '[7,8,9]', '--json'),
        ferry('predict', 'scale@production', '--input', '[[1,2]]'),
        fullOutput ? ferry('predict', 'scale@production', '--input', '@request.json') : undefined,
      ]);
      expect(expectJson(inline)).toEqual({
        model_name: 'scale',
        model_version: '1',
        outputs: [
          { name: 'y', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] },
          { name: 'total', datatype: 'FP32', shape: [], data: [6] },
        ],
      });
      expect(expectJson(rows).outputs[0]).toMatchObject({
        name: 'y',
        shape: [2, 3],
        data: [1, 2, 3, 4, 5, 6],
      });
      // No version named: the default (the production alias) answers.
      const rowResponse = expectJson(row);
      expect(rowResponse.model_version).toBe('1');
      expect(rowResponse.outputs[0]).toMatchObject({ shape: [1, 3], data: [7, 8, 9] });
      expectCliError(badShape, 'SHAPE_MISMATCH', "input 'x' has shape [1,2] but the model expects [-1,3]");
      if (fromFile !== undefined) {
        const table = expectSuccess(fromFile);
        expect(table).toMatch(/^scale version 1\n/);
        expect(table).toMatch(/│ y\s+│ FP32\s+│ \[1,3\]\s+│ \[1,2,3\]\s+│/);
        expect(table).toMatch(/│ total\s+│ FP32\s+│ \[\]\s+│ \[6\]\s+│/);
      }
    });

    it('reports an unknown model or alias, a file that is not ONNX and a bad name, and stores nothing', async () => {
      const [show, card, garbage, badName, predict] = await Promise.all([
        ferry('models', 'show', 'nope'),
        ferry('models', 'card', 'scale@canary'),
        ferry('models', 'push', 'garbage.onnx', '--name', 'other'),
        ferry('models', 'push', 'scale1.onnx', '--name', 'Other'),
        fullOutput ? ferry('predict', 'nope', '--input', '[[1,2,3]]') : undefined,
      ]);
      expectCliError(
        show,
        'MODEL_NOT_FOUND',
        "model 'nope' does not exist; `ferry models list` shows the models",
      );
      expectCliError(card, 'VERSION_NOT_FOUND', "model 'scale' has no alias 'canary'");
      expectCliError(garbage, 'INVALID_ARTIFACT', 'not an ONNX model');
      expectCliError(badName, 'INVALID_MODEL_NAME', "model name 'Other' is invalid");
      if (predict !== undefined) expectCliError(predict, 'MODEL_NOT_FOUND');
      const names = expectJson(await ferry('models', 'list', '--json')).map((m: { name: string }) => m.name);
      expect(names).toEqual(['scale']);
    });

    if (fullOutput) {
      it('refuses bad arguments before calling any API: missing files, bad flags, bad JSON', async () => {
        const push = (...flags: string[]) =>
          ferry('models', 'push', 'scale1.onnx', '--name', 'other', ...flags);
        const [file, card, lineage, tag, notJson, noInput, notNumber, rmAlias] = await Promise.all([
          ferry('models', 'push', 'missing.onnx', '--name', 'other'),
          push('--card', 'missing.md'),
          push('--lineage', 'owner=me'),
          push('--tag', 'novalue'),
          ferry('predict', 'scale', '--input', '{"inputs": ['),
          ferry('predict', 'scale', '--input', '@missing.json'),
          ferry('models', 'alias', 'set', 'scale', 'staging', 'one'),
          ferry('models', 'rm', 'scale@production'),
        ]);
        expectCliError(file, 'INVALID_ARGUMENT', 'cannot read missing.onnx: no such file');
        expectCliError(card, 'INVALID_ARGUMENT', 'cannot read model card from missing.md');
        expectCliError(lineage, 'INVALID_ARGUMENT', "--lineage owner=me: unknown key 'owner'");
        expectCliError(tag, 'INVALID_ARGUMENT', '--tag novalue: write key=value');
        expectCliError(notJson, 'INVALID_ARGUMENT', '--input is not valid JSON');
        expectCliError(noInput, 'INVALID_ARGUMENT', 'cannot read input file missing.json');
        expectCliError(notNumber, 'INVALID_ARGUMENT', "'one' is not a version number");
        expectCliError(rmAlias, 'INVALID_ARGUMENT', 'write scale:<version> to delete a version');
      });

      it('reports a wrong datatype, a bad alias name and an alias to a missing version', async () => {
        const wrongType = { inputs: [{ name: 'x', shape: [1, 3], datatype: 'INT64', data: [1, 2, 3] }] };
        const [datatype, aliasName, missing] = await Promise.all([
          ferry('predict', 'scale@production', '--input', JSON.stringify(wrongType)),
          ferry('models', 'alias', 'set', 'scale', 'Prod', '1'),
          ferry('models', 'alias', 'set', 'scale', 'staging', '7'),
        ]);
        expectCliError(datatype, 'DATATYPE_MISMATCH');
        expectCliError(aliasName, 'INVALID_ALIAS', "alias 'Prod' is invalid");
        expectCliError(missing, 'VERSION_NOT_FOUND', "model 'scale' has no version 7");
      });
    }
  });
}
