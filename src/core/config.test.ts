import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configKeys, loadConfig } from './config.js';

const emptyDir = () => mkdtempSync(join(tmpdir(), 'ferry-config-'));

describe('loadConfig', () => {
  it('gives the documented defaults with no file, env or flags', () => {
    const config = loadConfig({ env: {}, cwd: emptyDir() });
    expect(config.server.host).toBe('127.0.0.1');
    expect(config.server.port).toBe(8080);
    expect(config.dataDir).toBe('./.ferry');
    expect(config.models.preload).toEqual([]);
  });

  it('layers file < env < flags', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'ferry.yaml'), 'server:\n  port: 7000\n  host: 0.0.0.0\ndataDir: /tmp/a\n');
    const config = loadConfig({
      env: { FERRY_PORT: '7100', FERRY_DATA_DIR: '/tmp/b' },
      overrides: { dataDir: '/tmp/c' },
      cwd: dir,
    });
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port).toBe(7100);
    expect(config.dataDir).toBe('/tmp/c');
  });

  it('reads generated env names and coerces their types', () => {
    const config = loadConfig({
      env: {
        FERRY_SERVER_MAX_JSON_DEPTH: '10',
        FERRY_SERVER_STRICT_READINESS: 'false',
        FERRY_MODELS_PRELOAD: 'a@x, b',
      },
      cwd: emptyDir(),
    });
    expect(config.server.maxJsonDepth).toBe(10);
    expect(config.server.strictReadiness).toBe(false);
    expect(config.models.preload).toEqual(['a@x', 'b']);
    const lists = loadConfig({ env: { FERRY_SERVING_PREFERRED_BATCH_SIZES: '8, 32' }, cwd: emptyDir() });
    expect(lists.serving.preferredBatchSizes).toEqual([8, 32]);
  });

  it('reads per-model serving overrides from the file and from JSON in the environment', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'ferry.yaml'), 'models:\n  overrides:\n    fraud:\n      maxBatchSize: 8\n');
    expect(loadConfig({ env: {}, cwd: dir }).models.overrides).toEqual({ fraud: { maxBatchSize: 8 } });
    const fromEnv = loadConfig({
      env: { FERRY_MODELS_OVERRIDES: '{"x": {"cacheEnabled": true}}' },
      cwd: emptyDir(),
    });
    expect(fromEnv.models.overrides).toEqual({ x: { cacheEnabled: true } });
    expect(() =>
      loadConfig({ env: { FERRY_MODELS_OVERRIDES: '{"x": {"maxBatch": 1}}' }, cwd: emptyDir() }),
    ).toThrow(/unknown key models\.overrides\.x\.maxBatch/);
  });

  it('rejects an unknown key in the file, naming where it is', () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'ferry.yaml'), 'server:\n  prot: 7000\n');
    expect(() => loadConfig({ env: {}, cwd: dir })).toThrow(/unknown key server\.prot/);
  });

  it('rejects a value of the wrong type with the key path', () => {
    expect(() => loadConfig({ env: { FERRY_PORT: 'eighty' }, cwd: emptyDir() })).toThrow(/FERRY_PORT=eighty/);
    expect(() => loadConfig({ env: {}, overrides: { server: { port: 70000 } }, cwd: emptyDir() })).toThrow(
      /server\.port/,
    );
  });

  it('fails clearly when a named config file is missing', () => {
    expect(() => loadConfig({ file: 'nope.yaml', env: {}, cwd: emptyDir() })).toThrow(/does not exist/);
  });

  it('derives an environment name for every key', () => {
    const names = configKeys().map((key) => key.env);
    expect(names).toContain('FERRY_SERVER_BODY_LIMIT_BYTES');
    expect(names).toContain('FERRY_DATABASE_URL');
    expect(new Set(names).size).toBe(names.length);
  });
});
