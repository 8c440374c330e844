import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { expectCliError, expectJson, expectSuccess, runCli } from '../../support/cli.js';

let workdir: string;
let withFile: string;

beforeAll(() => {
  workdir = mkdtempSync(join(tmpdir(), 'ferry-cli-config-'));
  withFile = mkdtempSync(join(tmpdir(), 'ferry-cli-config-file-'));
  writeFileSync(
    join(withFile, 'ferry.yaml'),
    'server:\n  port: 7000\n  host: 0.0.0.0\nregistry:\n  defaultAlias: live\ndataDir: ./from-file\n',
  );
  writeFileSync(join(withFile, 'other.yaml'), 'server:\n  port: 7100\n');
  writeFileSync(join(withFile, 'unknown-key.yaml'), 'server:\n  prot: 7100\n');
});

afterAll(() => {
  rmSync(workdir, { recursive: true, force: true });
  rmSync(withFile, { recursive: true, force: true });
});

/** A port nothing listens on: bound once by the OS, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('ferry config print', () => {
  it('prints the configuration in effect as YAML and as JSON, with FERRY_PORT and --data-dir applied', async () => {
    const options = { cwd: workdir, env: { FERRY_PORT: '9123' } };
    const [yaml, json] = await Promise.all([
      runCli(['--data-dir', './here', 'config', 'print'], options),
      runCli(['--data-dir', './here', 'config', 'print', '--json'], options),
    ]);
    const fromYaml = parse(expectSuccess(yaml));
    const fromJson = expectJson(json);
    expect(fromYaml).toEqual(fromJson);
    expect(fromJson).toMatchObject({
      dataDir: './here',
      server: { port: 9123, host: '127.0.0.1' },
      registry: { defaultAlias: 'production' },
      database: { url: '' },
    });
  });

  it('reads ./ferry.yaml, lets FERRY_* variables override it and flags override both', async () => {
    const [fileOnly, envOverFile, flagsOverEnv, otherFile] = await Promise.all([
      runCli(['config', 'print', '--json'], { cwd: withFile }),
      runCli(['config', 'print', '--json'], {
        cwd: withFile,
        env: { FERRY_PORT: '7001', FERRY_HOST: '127.0.0.2' },
      }),
      runCli(['--data-dir', './from-flag', 'config', 'print', '--json'], {
        cwd: withFile,
        env: { FERRY_DATA_DIR: './from-env', FERRY_REGISTRY_DEFAULT_ALIAS: 'stable' },
      }),
      runCli(['--config', 'other.yaml', 'config', 'print', '--json'], { cwd: withFile }),
    ]);
    expect(expectJson(fileOnly)).toMatchObject({
      dataDir: './from-file',
      server: { port: 7000, host: '0.0.0.0' },
      registry: { defaultAlias: 'live' },
    });
    expect(expectJson(envOverFile).server).toMatchObject({ port: 7001, host: '127.0.0.2' });
    expect(expectJson(flagsOverEnv)).toMatchObject({
      dataDir: './from-flag',
      registry: { defaultAlias: 'stable' },
    });
    // --config replaces ./ferry.yaml rather than adding to it.
    expect(expectJson(otherFile)).toMatchObject({
      dataDir: './.ferry',
      server: { port: 7100, host: '127.0.0.1' },
    });
  });

  it('refuses an invalid value, an unknown key and a missing config file with INVALID_CONFIG', async () => {
    const [badPort, unknownKey, missingFile] = await Promise.all([
      runCli(['config', 'print'], { cwd: workdir, env: { FERRY_PORT: 'eighty' } }),
      runCli(['--config', 'unknown-key.yaml', 'config', 'print'], { cwd: withFile }),
      runCli(['--config', 'missing.yaml', 'config', 'print'], { cwd: workdir }),
    ]);
    expectCliError(badPort, 'INVALID_CONFIG', 'FERRY_PORT=eighty is not a number (config key server.port)');
    expectCliError(unknownKey, 'INVALID_CONFIG', 'unknown key server.prot');
    expectCliError(missingFile, 'INVALID_CONFIG', 'missing.yaml does not exist');
  });
});

describe('a server that cannot be reached', () => {
  it('fails with SERVER_UNREACHABLE naming the URL, from --server or FERRY_URL', async () => {
    const port = await closedPort();
    const [portOne, refused, fromEnv] = await Promise.all([
      runCli(['--server', 'http://127.0.0.1:1', 'models', 'list'], { cwd: workdir }),
      runCli(['--server', `http://127.0.0.1:${port}/`, 'predict', 'm', '--input', '[[1]]'], { cwd: workdir }),
      runCli(['models', 'show', 'm'], { cwd: workdir, env: { FERRY_URL: `http://127.0.0.1:${port}` } }),
    ]);
    expectCliError(portOne, 'SERVER_UNREACHABLE', 'cannot reach the Ferry server at http://127.0.0.1:1 (');
    expectCliError(
      refused,
      'SERVER_UNREACHABLE',
      `cannot reach the Ferry server at http://127.0.0.1:${port}`,
    );
    expect(refused.stderr).toContain('is `ferry serve` running?');
    expectCliError(fromEnv, 'SERVER_UNREACHABLE', `http://127.0.0.1:${port}`);
  });
});
