import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeRegistryCommands } from './registry-commands-suite.js';

const dataDirs: string[] = [];

afterAll(() => {
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

describeRegistryCommands(
  'directly on a data folder',
  () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'ferry-cli-data-'));
    dataDirs.push(dataDir);
    return Promise.resolve({ globalArgs: ['--data-dir', dataDir], close: () => Promise.resolve() });
  },
  { fullOutput: true },
);

describe('the data folder the CLI wrote', () => {
  it('holds a SQLite database and content-addressed artifacts', () => {
    const [dataDir] = dataDirs;
    expect(dataDir).toBeDefined();
    expect(existsSync(join(dataDir!, 'ferry.db'))).toBe(true);
    expect(existsSync(join(dataDir!, 'artifacts', 'sha256'))).toBe(true);
  });
});
