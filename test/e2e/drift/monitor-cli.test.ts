import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PENGUIN_FEATURES } from '../../../src/demo/index.js';
import { expectCliError, expectJson, expectSuccess, ferryCli, type Ferry } from '../../support/cli.js';
import { apiCall, expectApiError } from '../../support/management-api.js';
import { startTestServer, type TestServer } from '../../support/server.js';
import { demoModel, inferPenguins, penguinCsv, penguinRows, shifted, waitForDrift } from './drift-helpers.js';

let server: TestServer;
let folder: string;
let overHttp: Ferry;
let inFolder: Ferry;
const rows = penguinRows();

beforeAll(async () => {
  server = await startTestServer({
    monitoring: { flushIntervalMs: 20, profileFlushIntervalMs: 20, windowMs: 86_400_000 },
  });
  folder = mkdtempSync(join(tmpdir(), 'ferry-drift-cli-'));
  writeFileSync(join(folder, 'penguins.onnx'), demoModel().bytes);
  writeFileSync(join(folder, 'signature.json'), JSON.stringify(demoModel().signature));
  writeFileSync(join(folder, 'penguins.csv'), penguinCsv(rows));
  writeFileSync(join(folder, 'notes.txt'), 'not a dataset');
  overHttp = ferryCli(['--server', server.url], { cwd: folder });
  // The data folder must cut the same windows as the server, or it looks for other profile rows.
  inFolder = ferryCli(['--data-dir', server.dataDir], {
    cwd: folder,
    env: { FERRY_MONITORING_WINDOW_MS: '86400000' },
  });
});

afterAll(async () => {
  await server?.stop();
  if (folder !== undefined) rmSync(folder, { recursive: true, force: true });
});

describe('ferry models push --reference and ferry monitor', () => {
  it('pushes a version and attaches its reference profile in one command', async () => {
    const out = expectSuccess(
      await overHttp(
        'models',
        'push',
        'penguins.onnx',
        '--name',
        'cli-penguins',
        '--signature',
        'signature.json',
        '--reference',
        'penguins.csv',
      ),
    );
    expect(out).toContain('pushed cli-penguins version 1');
    expect(out).toContain(
      `reference profile of ${rows.length} rows from penguins.csv attached (9 features and outputs profiled)`,
    );
    const reference = await apiCall('GET', `${server.url}/api/v1/models/cli-penguins/versions/1/reference`);
    expect(reference.body).toMatchObject({ source: 'penguins.csv', rows: rows.length });
  });

  it('prints the drift report as a table and as JSON, against a server and in the data folder', async () => {
    await inferPenguins(
      server.url,
      'cli-penguins',
      shifted(
        rows.map((row) => row.features),
        [3, 0, 0, 0],
      ),
    );
    await waitForDrift(server.url, 'cli-penguins', rows.length);
    const table = expectSuccess(await overHttp('monitor', 'drift', 'cli-penguins:1', '--windows', '2'));
    expect(table).toMatch(/^model\s+cli-penguins version 1$/m);
    expect(table).toMatch(new RegExp(`reference\\s+penguins.csv, ${rows.length} rows`));
    expect(table).toMatch(
      /│ Beak Length \(mm\)\s+│ input\s+│ numeric\s+│ ks\s+│ [0-9.e-]+\s+│ < 0.05\s+│ DRIFT/,
    );
    expect(table).toMatch(/│ Body Mass \(g\)\s+│ input\s+│ numeric\s+│ ks\s+│ [0-9.e-]+\s+│ < 0.05\s+│ ok/);
    expect(table).toContain(
      'dataset: 1 of 4 input features drift (share 0.25, drift from 0.5): Beak Length (mm)',
    );
    expect(table).toContain('verdict: no drift');
    const json = expectJson(await overHttp('--json', 'monitor', 'drift', 'cli-penguins', '--windows', '2'));
    expect(json).toMatchObject({ model: 'cli-penguins', version: 1, rows: rows.length, verdict: 'no drift' });
    // The data folder reads the same live profiles from the database.
    const local = expectJson(await inFolder('--json', 'monitor', 'drift', 'cli-penguins', '--windows', '2'));
    expect(local.features).toEqual(json.features);
  });

  it('shows a reference profile, and attaches one from the data folder (running the model there)', async () => {
    const shown = expectSuccess(await overHttp('monitor', 'reference', 'cli-penguins'));
    expect(shown).toMatch(
      new RegExp(`source\\s+penguins.csv \\(sha256:[0-9a-f]{12}…\\), ${rows.length} rows`),
    );
    expect(shown).toMatch(/│ species\s+│ output\s+│ categorical │ 342\s+│ 0\s+│ 3 categories/);
    const ndjson = rows
      .slice(0, 50)
      .map((row) =>
        JSON.stringify({
          features: Object.fromEntries(PENGUIN_FEATURES.map((name, j) => [name, row.features[j]])),
        }),
      )
      .join('\n');
    writeFileSync(join(folder, 'sample.ndjson'), ndjson);
    const attached = expectJson(
      await inFolder('--json', 'monitor', 'reference', 'cli-penguins:1', 'sample.ndjson'),
    );
    expect(attached).toMatchObject({ rows: 50, source: 'sample.ndjson' });
    expect(attached.features['probabilities[Adelie]']).toMatchObject({ source: 'output', count: 50 });
    const reference = await apiCall('GET', `${server.url}/api/v1/models/cli-penguins/versions/1/reference`);
    expect(reference.body).toMatchObject({ source: 'sample.ndjson', rows: 50 });
  });

  it('says what is wrong with a reference file', async () => {
    expectCliError(
      await overHttp('monitor', 'reference', 'cli-penguins', 'notes.txt'),
      'INVALID_ARGUMENT',
      'name it .csv or .ndjson, or pass --format',
    );
    expectCliError(
      await overHttp('monitor', 'reference', 'cli-penguins', 'notes.txt', '--format', 'csv'),
      'INVALID_DATASET',
      'the reference dataset has a header but no rows',
    );
    expectCliError(await overHttp('monitor', 'reference', 'nobody', 'penguins.csv'), 'MODEL_NOT_FOUND');
  });

  it('removes a reference profile over HTTP and in the data folder, then says there is none', async () => {
    expectCliError(
      await overHttp('monitor', 'reference', 'cli-penguins:1', 'penguins.csv', '--remove'),
      'INVALID_ARGUMENT',
      'either a dataset file to attach or --remove',
    );
    expect(expectSuccess(await overHttp('monitor', 'reference', 'cli-penguins:1', '--remove'))).toBe(
      'removed the reference profile of cli-penguins:1\n',
    );
    expectApiError(
      await apiCall('GET', `${server.url}/api/v1/models/cli-penguins/versions/1/reference`),
      404,
      'REFERENCE_NOT_FOUND',
    );
    expectCliError(
      await overHttp('monitor', 'reference', 'cli-penguins:1', '--remove'),
      'REFERENCE_NOT_FOUND',
      'has no reference profile',
    );
    // Attached again over HTTP, removed in the data folder, and the server's API agrees.
    expectSuccess(await overHttp('monitor', 'reference', 'cli-penguins:1', 'penguins.csv'));
    expect(expectJson(await inFolder('--json', 'monitor', 'reference', 'cli-penguins', '--remove'))).toEqual({
      removed: true,
      model: 'cli-penguins',
      ref: null,
    });
    expectApiError(
      await apiCall('DELETE', `${server.url}/api/v1/models/cli-penguins/versions/1/reference`),
      404,
      'REFERENCE_NOT_FOUND',
    );
    expectSuccess(await overHttp('monitor', 'reference', 'cli-penguins:1', 'penguins.csv'));
    const deleted = await apiCall('DELETE', `${server.url}/api/v1/models/cli-penguins/versions/1/reference`);
    expect(deleted.status).toBe(204);
  });
});
