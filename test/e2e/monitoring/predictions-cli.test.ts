import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectCliError, expectJson, expectSuccess, ferryCli, type Ferry } from '../../support/cli.js';
import { scaleModel } from '../../support/models.js';
import { postJson, startTestServer, type TestServer } from '../../support/server.js';
import { parseCsv, scaleRequest, waitForPredictions } from './monitoring-helpers.js';

let server: TestServer;
let files: string;
let viaServer: Ferry;

beforeAll(async () => {
  files = mkdtempSync(join(tmpdir(), 'ferry-predictions-cli-'));
  server = await startTestServer({ monitoring: { flushIntervalMs: 20 } });
  viaServer = ferryCli(['--server', server.url], { cwd: files });
  writeFileSync(join(files, 'model.onnx'), scaleModel(2));
  writeFileSync(
    join(files, 'features.json'),
    JSON.stringify({
      x: { names: ['age', 'income', 'tenure'], kinds: ['numeric', 'numeric', 'categorical'] },
    }),
  );
  const pushed = expectJson(
    await viaServer(
      'models',
      'push',
      'model.onnx',
      '--name',
      'scale',
      '--features',
      'features.json',
      '--alias',
      'production',
      '--json',
    ),
  );
  expect(pushed.version.signature.inputs[0]).toMatchObject({
    features: ['age', 'income', 'tenure'],
    featureKinds: ['numeric', 'numeric', 'categorical'],
  });
  for (const [id, rows] of [
    ['c1', [[1, 2, 3]]],
    [
      'c2',
      [
        [4, 5, 6],
        [7, 8, 9],
      ],
    ],
  ] as const) {
    const answer = await postJson(
      `${server.url}/v2/models/scale/infer`,
      scaleRequest(rows.map((row) => [...row])),
      { 'x-request-id': id },
    );
    expect(answer.status).toBe(200);
  }
  await waitForPredictions(server.url, 'model=scale', 3);
});

afterAll(async () => {
  await server?.close();
  rmSync(server?.dataDir ?? '', { recursive: true, force: true });
  rmSync(files, { recursive: true, force: true });
});

describe('ferry models push --features', () => {
  it('refuses a features file of the wrong shape, and kinds that do not fit the input', async () => {
    writeFileSync(join(files, 'bad.json'), JSON.stringify({ x: { names: ['a', 'b', 'c'], colour: 'red' } }));
    expectCliError(
      await viaServer('models', 'push', 'model.onnx', '--name', 'other', '--features', 'bad.json'),
      'INVALID_ARGUMENT',
      'names',
    );
    writeFileSync(
      join(files, 'short.json'),
      JSON.stringify({ x: { names: ['a', 'b', 'c'], kinds: ['numeric'] } }),
    );
    expectCliError(
      await viaServer('models', 'push', 'model.onnx', '--name', 'other', '--features', 'short.json'),
      'INVALID_SIGNATURE',
      'featureKinds',
    );
  });
});

describe('against a running server', () => {
  it('lists predictions as JSON and as a table, by model, version or alias', async () => {
    const page = expectJson(await viaServer('predictions', 'list', 'scale', '--json'));
    expect(page.predictions.map((p: any) => p.requestId)).toEqual(['c2#1', 'c2#0', 'c1']);
    expect(page.predictions[2].features).toEqual({ age: 1, income: 2, tenure: '3' });
    expect(
      expectJson(await viaServer('predictions', 'list', 'scale@production', '--limit', '1', '--json'))
        .predictions,
    ).toHaveLength(1);
    expect(expectJson(await viaServer('predictions', 'list', 'scale:2', '--json')).predictions).toEqual([]);
    expect(
      expectJson(await viaServer('predictions', 'list', 'scale', '--from', '1h', '--json')).predictions,
    ).toHaveLength(3);
    const table = expectSuccess(await viaServer('predictions', 'list', 'scale', '--limit', '2'));
    expect(table).toContain('c2#1');
    expect(table).toContain('"age":7');
    expect(table).toMatch(/more: --cursor \S+/);
    expectCliError(
      await viaServer('predictions', 'list', 'scale', '--from', 'last tuesday'),
      'INVALID_ARGUMENT',
      'ISO-8601',
    );
  });

  it('sends feedback for one request id and from an NDJSON file, reporting unknown ids with exit code 1', async () => {
    expectSuccess(await viaServer('feedback', '--request-id', 'c1', '--label', 'b'));
    writeFileSync(
      join(files, 'feedback.ndjson'),
      [
        JSON.stringify({ request_id: 'c2#0', value: 1.5 }),
        '',
        JSON.stringify({ request_id: 'c1', label: 'c' }),
        JSON.stringify({ request_id: 'missing', label: 'a' }),
      ].join('\n'),
    );
    const run = await viaServer('feedback', 'feedback.ndjson');
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('stored 1, updated 1, unknown request 1, invalid 0');
    expect(run.stdout).toContain('missing');
    const json = await viaServer('feedback', 'feedback.ndjson', '--json');
    expect(JSON.parse(json.stdout).results.map((r: any) => r.status)).toEqual([
      'updated',
      'updated',
      'unknown_request',
    ]);
    expectCliError(await viaServer('feedback', '--request-id', 'c1'), 'INVALID_ARGUMENT', '--label');
  });

  it('exports CSV with feedback to a file, and NDJSON to stdout', async () => {
    expectSuccess(
      await viaServer('predictions', 'export', 'scale', '--format', 'csv', '--feedback', '--out', 'out.csv'),
    );
    const { header, rows } = parseCsv(readFileSync(join(files, 'out.csv'), 'utf8'));
    expect(header.slice(0, 7)).toEqual(['request_id', 'at', 'model', 'version', 'age', 'income', 'tenure']);
    expect(rows.map((row) => [row.request_id, row.label, row.value])).toEqual([
      ['c1', 'c', ''],
      ['c2#0', '', '1.5'],
      ['c2#1', '', ''],
    ]);
    const ndjson = expectSuccess(await viaServer('predictions', 'export', 'scale'));
    const lines = ndjson
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(lines.map((line) => line.requestId)).toEqual(['c1', 'c2#0', 'c2#1']);
    expectCliError(
      await viaServer('predictions', 'export', 'scale', '--format', 'xml'),
      'INVALID_ARGUMENT',
      'ndjson or csv',
    );
  });
});

describe('on the data folder', () => {
  it('lists, exports and takes feedback without a server', async () => {
    await server.close();
    const local = ferryCli(['--data-dir', server.dataDir], { cwd: files });
    const page = expectJson(await local('predictions', 'list', 'scale', '--json'));
    expect(
      page.predictions.map((p: any) => [p.requestId, p.feedback?.label ?? p.feedback?.value ?? null]),
    ).toEqual([
      ['c2#1', null],
      ['c2#0', 1.5],
      ['c1', 'c'],
    ]);
    const run = await local('feedback', '--request-id', 'c2#1', '--label', 'a', '--json');
    expect(JSON.parse(expectSuccess(run)).results).toEqual([{ request_id: 'c2#1', status: 'stored' }]);
    const { rows } = parseCsv(
      expectSuccess(
        await local('predictions', 'export', 'scale@production', '--format', 'csv', '--feedback'),
      ),
    );
    expect(rows.find((row) => row.request_id === 'c2#1')?.label).toBe('a');
  });
});
