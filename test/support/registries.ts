import { join } from 'node:path';
import { FsArtifactStore } from '../../src/artifacts/index.js';
import { Registry, type RegistryOptions } from '../../src/registry/index.js';
import type { DatabaseFixture } from './databases.js';

/** A clock for tests: starts at `start` and moves one second forward each time it is read. */
export function steppingClock(start = '2024-05-01T12:00:00.000Z'): () => Date {
  let next = Date.parse(start);
  return () => {
    const now = new Date(next);
    next += 1000;
    return now;
  };
}

/** A registry on the fixture's database and a file artifact store in its data folder. */
export function createTestRegistry(
  fixture: DatabaseFixture,
  options: Partial<RegistryOptions> = {},
): { registry: Registry; artifacts: FsArtifactStore } {
  const artifacts = new FsArtifactStore(join(fixture.dataDir, 'artifacts'));
  const registry = new Registry(fixture.database, artifacts, {
    maxArtifactBytes: 1 << 20,
    defaultAlias: 'production',
    clock: steppingClock(),
    ...options,
  });
  return { registry, artifacts };
}
