import { join, resolve } from 'node:path';
import { FsArtifactStore } from '../artifacts/index.js';
import type { FerryConfig } from '../core/index.js';
import { Registry } from '../registry/index.js';
import { openDatabase, type FerryDatabase } from '../store/index.js';

/** The stores and registry over a data folder, without HTTP (used by the server and the CLI). */
export interface FerryStores {
  readonly database: FerryDatabase;
  readonly registry: Registry;
}

/** Open the database (running migrations) and the artifact store, and build the registry. */
export async function openStores(config: FerryConfig): Promise<FerryStores> {
  const dataDir = resolve(config.dataDir);
  const database = await openDatabase({ url: config.database.url, dataDir });
  const artifacts = new FsArtifactStore(join(dataDir, 'artifacts'));
  const registry = new Registry(database, artifacts, {
    maxArtifactBytes: config.registry.maxArtifactBytes,
    defaultAlias: config.registry.defaultAlias,
  });
  return { database, registry };
}
