import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { validateConfig, type FerryConfig } from '../../../src/core/config.js';
import { createLogger } from '../../../src/core/logger.js';
import type {
  AlertWiring,
  MetricName,
  MetricReading,
  MetricSource,
} from '../../../src/monitoring/alerts/index.js';
import { startFerryServer, type FerryServer } from '../../../src/server/index.js';

export { startReceiver, type Received, type Receiver } from '../../support/receiver.js';

type Overrides = Record<string, unknown>;

/** A real Ferry server with alerts wired to test metric providers. */
export interface AlertTestServer extends FerryServer {
  readonly dataDir: string;
  readonly config: FerryConfig;
  /** Close the server (keeping its data folder, for a restart). */
  close(): Promise<void>;
  /** Close the server and delete its data folder. */
  stop(): Promise<void>;
}

/**
 * Start a server on 127.0.0.1 with alerts evaluated every 100 ms over 300 ms windows (unless
 * `overrides` say otherwise). `dataDir` reuses a folder, as a restart does.
 */
export async function startAlertServer(
  overrides: Overrides,
  wiring: AlertWiring = {},
  reuseDataDir?: string,
): Promise<AlertTestServer> {
  const dataDir = reuseDataDir ?? mkdtempSync(join(tmpdir(), 'ferry-alerts-'));
  const alerts = (overrides.alerts ?? {}) as Overrides;
  const config = validateConfig({
    dataDir,
    ...overrides,
    server: { host: '127.0.0.1', port: 0 },
    monitoring: {
      flushIntervalMs: 10,
      profileFlushIntervalMs: 10,
      ...(overrides.monitoring as Overrides | undefined),
    },
    alerts: { evaluateIntervalMs: 100, windowMs: 300, ...alerts },
    log: { level: process.env.FERRY_TEST_LOG_LEVEL ?? 'silent' },
  });
  const server = await startFerryServer(config, {
    logger: createLogger(config.log.level),
    alerts: wiring,
  }).catch((error: unknown) => {
    if (reuseDataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    throw error;
  });
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

/**
 * A metric source whose value the test sets; `undefined` gives no verdict, and so do windows that
 * ended before `since` (the windows a first round catches up on).
 */
export class DialSource implements MetricSource {
  value: number | undefined;
  since: Date | undefined;
  readonly reads: { model: string; metric: MetricName; end: Date }[] = [];

  read(
    model: string,
    metric: MetricName,
    window: { start: Date; end: Date },
  ): Promise<MetricReading | undefined> {
    this.reads.push({ model, metric, end: window.end });
    const value = this.since !== undefined && window.end < this.since ? undefined : this.value;
    return Promise.resolve(
      value === undefined ? undefined : { value, rows: 50, version: 1, details: { dial: value } },
    );
  }
}

/** What a receiver computes to check `x-ferry-signature`: HMAC-SHA256 of the raw body. */
export const expectedSignature = (secret: string, raw: string): string =>
  `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;

/** Poll until `check` returns a value that is not undefined; fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`condition not met after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
