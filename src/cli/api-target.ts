import { loadConfig, type FerryConfig } from '../core/index.js';
import { FerryClient } from '../client/index.js';
import type { FerryApi } from '../client/index.js';

/** Global options: where the CLI's calls go. */
export interface TargetOptions {
  readonly server?: string;
  readonly dataDir?: string;
  readonly config?: string;
  readonly database?: string;
}

/** The configuration from file, `FERRY_*` environment and the given flags. */
export function configFrom(options: TargetOptions, overrides: Record<string, unknown> = {}): FerryConfig {
  return loadConfig({
    file: options.config,
    overrides: {
      ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
      ...(options.database === undefined ? {} : { database: { url: options.database } }),
      ...overrides,
    },
  });
}

/**
 * A running server when `--server` (or `FERRY_URL`) names one; otherwise the data folder
 * directly, through the same registry code the server uses.
 */
export async function openApi(options: TargetOptions): Promise<FerryApi> {
  const server = options.server ?? process.env.FERRY_URL;
  if (server !== undefined && server !== '') {
    return new FerryClient({ baseUrl: server, actor: process.env.USER || 'cli' });
  }
  // Loaded on demand: the data-folder mode needs the database and ONNX Runtime, --server does not.
  const { LocalApi } = await import('./local-api.js');
  return LocalApi.open(configFrom(options));
}

/** Run `action` with an API and close it afterwards. */
export async function withApi<T>(options: TargetOptions, action: (api: FerryApi) => Promise<T>): Promise<T> {
  const api = await openApi(options);
  try {
    return await action(api);
  } finally {
    await api.close();
  }
}
