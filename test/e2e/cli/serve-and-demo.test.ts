import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectCliError,
  expectJson,
  expectSuccess,
  ferryCli,
  spawnCli,
  type CliProcess,
} from '../../support/cli.js';
import { apiCall } from '../../support/management-api.js';
import { scaleModel } from '../../support/models.js';

let workdir: string;
const started: CliProcess[] = [];

beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), 'ferry-cli-serve-'));
  writeFileSync(join(workdir, 'scale3.onnx'), scaleModel(3));
});

afterAll(() => {
  for (const child of started) if (child.process.exitCode === null) child.process.kill('SIGKILL');
  rmSync(workdir, { recursive: true, force: true });
});

function spawn(args: string[]): CliProcess {
  const child = spawnCli(args, { cwd: workdir });
  started.push(child);
  return child;
}

/** Stop a server the way an orchestrator does and return its exit code. */
async function terminate(child: CliProcess): Promise<number | null> {
  child.process.kill('SIGTERM');
  return child.exited;
}

/** The curl command `ferry demo` prints: its URL and the JSON after -d. */
const CURL_LINE =
  /curl -s (http:\/\/127\.0\.0\.1:\d+\/v2\/models\/penguin-species\/infer) .*\n\s+-d '(\{.*\})'\n/;

describe('ferry demo', () => {
  it('serves the penguin model and answers the printed curl request with Gentoo, then exits 0 on SIGTERM', async () => {
    const demo = spawn(['demo', '--port', '0', '--data-dir', 'demo-data']);
    const [, url, body] = await demo.waitFor(CURL_LINE);
    expect(demo.stderr()).toMatch(/Ferry is serving penguin-species@production at http:\/\/127\.0\.0\.1:\d+/);

    const response = await fetch(url!, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body!,
    });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as {
      model_version: string;
      outputs: { name: string; data: unknown[] }[];
    };
    expect(answer.model_version).toBe('1');
    expect(answer.outputs.find((output) => output.name === 'species')?.data).toEqual(['Gentoo']);

    expect(await terminate(demo)).toBe(0);
  });

  it('finds the model it registered before when started again on the same data folder', async () => {
    const demo = spawn(['demo', '--port', '0', '--data-dir', 'demo-data']);
    const [, url] = await demo.waitFor(CURL_LINE);
    const base = new URL(url!).origin;
    const model = await apiCall('GET', `${base}/api/v1/models/penguin-species`);
    expect(model.body.model).toMatchObject({ versionCount: 1, aliases: { production: 1 } });
    expect(model.body.versions[0]).toMatchObject({ createdBy: 'ferry-demo', tags: { demo: 'true' } });
    const history = await apiCall('GET', `${base}/api/v1/models/penguin-species/alias-history`);
    expect(history.body.events).toHaveLength(1);
    expect(await terminate(demo)).toBe(0);
  });
});

describe('ferry serve', () => {
  it('serves what the CLI pushed to its data folder, to the CLI pointed at it with --server', async () => {
    const local = ferryCli(['--data-dir', 'serve-data'], { cwd: workdir });
    expectSuccess(await local('models', 'push', 'scale3.onnx', '--name', 'triple', '--alias', 'production'));

    const server = spawn([
      'serve',
      '--port',
      '0',
      '--data-dir',
      'serve-data',
      '--preload',
      'triple@production',
    ]);
    const [, url] = await server.waitFor(
      /"url":"(http:\/\/127\.0\.0\.1:\d+)".*"msg":"ferry listening"/,
      'stdout',
    );
    const remote = ferryCli(['--server', url!], { cwd: workdir });
    const [predicted, missing] = await Promise.all([
      remote('predict', 'triple@production', '--input', '[[1,2,3]]', '--json'),
      remote('models', 'show', 'triple:2'),
    ]);
    expect(expectJson(predicted).outputs[0]).toMatchObject({ name: 'y', data: [3, 6, 9] });
    expectCliError(missing, 'VERSION_NOT_FOUND', "model 'triple' has no version 2");

    const health = await apiCall('GET', `${url}/api/v1/health`);
    expect(health.body.models).toContainEqual(
      expect.objectContaining({ model: 'triple', version: 1, state: 'ready' }),
    );
    expect(await terminate(server)).toBe(0);
    expect(server.stdout()).toMatch(/"msg":"stopped"/);
  });
});
