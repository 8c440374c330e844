import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type FerryConfig } from '../../src/core/config.js';
import { createLogger } from '../../src/core/logger.js';
import { startFerryServer, type FerryServer } from '../../src/server/index.js';

/** A real Ferry server on 127.0.0.1 with a fresh data folder, for black-box tests. */
export interface TestServer extends FerryServer {
  readonly dataDir: string;
  readonly config: FerryConfig;
  /** Close the server and delete its data folder. */
  stop(): Promise<void>;
}

type Overrides = Record<string, unknown>;

/** Start a server on a free port with a temp data folder; `overrides` merge into the config. */
export async function startTestServer(overrides: Overrides = {}): Promise<TestServer> {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-e2e-'));
  const config = validateConfig({
    dataDir,
    ...overrides,
    server: { host: '127.0.0.1', port: 0, ...(overrides.server as Overrides | undefined) },
    log: { level: process.env.FERRY_TEST_LOG_LEVEL ?? 'silent' },
  });
  const server = await startFerryServer(config, { logger: createLogger(config.log.level) });
  await server.preloaded;
  return {
    ...server,
    dataDir,
    config,
    stop: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** POST JSON and return status and parsed body. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    headers: response.headers,
  };
}

/** GET and return status and parsed body (undefined when empty). */
export async function getJson(url: string): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(url);
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  return {
    status: response.status,
    body: text === '' ? undefined : type.includes('json') ? JSON.parse(text) : text,
    headers: response.headers,
  };
}

/** Push bytes as a new version over HTTP (raw body). */
export async function pushRaw(
  baseUrl: string,
  model: string,
  bytes: Uint8Array,
  query = '',
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${baseUrl}/api/v1/models/${model}/versions${query}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream' },
    body: bytes,
  });
  return { status: response.status, body: await response.json() };
}
