import type { FastifyInstance } from 'fastify';
import type { FerryConfig } from '../core/index.js';
import { createLogger, type Logger } from '../core/index.js';
import { AllowAllAuthorizer } from '../governance/index.js';
import { formatModelRef, parseModelRef } from '../registry/index.js';
import type { Registry } from '../registry/index.js';
import { ModelManager } from '../runtime/index.js';
import { OnnxRuntime } from '../runtime/index.js';
import { InferenceService } from '../serving/index.js';
import { Readiness } from '../serving/index.js';
import { VersionResolver } from '../serving/index.js';
import { buildApp } from '../http/index.js';
import type { AppDeps } from '../http/index.js';
import { FERRY_VERSION } from '../core/index.js';
import { openStores } from './open-stores.js';

/** A running Ferry server. */
export interface FerryServer {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly logger: Logger;
  /** Settles when start-up preloading is over (each preload succeeded or failed). */
  readonly preloaded: Promise<void>;
  /** Stop accepting, finish in-flight requests (up to `server.shutdownGraceMs`), release models, close stores. */
  close(): Promise<void>;
}

/** Load every `models.preload` entry; failures are logged and left in the manager's state. */
async function preload(
  config: FerryConfig,
  deps: Pick<AppDeps, 'registry' | 'models' | 'readiness'>,
  logger: Logger,
): Promise<void> {
  const loaded: { model: string; version: number }[] = [];
  const unresolved: string[] = [];
  for (const text of config.models.preload) {
    let version;
    try {
      const { model, ref } = parseModelRef(text);
      version = await deps.registry.getVersion(model, ref);
    } catch (error) {
      const reason = `preload '${text}': ${(error as Error).message}`;
      unresolved.push(reason);
      logger.error({ err: error, model: text }, reason);
      continue;
    }
    loaded.push({ model: version.model, version: version.version });
    // A load failure is logged by the manager and kept in its state (readiness reports it).
    await deps.models.acquire(version).catch(() => undefined);
  }
  deps.readiness.markStarted(loaded, unresolved);
}

/**
 * Start Ferry: open the stores, build the serving stack, listen, then preload models in the
 * background (readiness stays false until that is over).
 */
export async function startFerryServer(
  config: FerryConfig,
  options: { logger?: Logger } = {},
): Promise<FerryServer> {
  const logger = options.logger ?? createLogger(config.log.level);
  const { database, registry } = await openStores(config);
  const runtime = new OnnxRuntime();
  const models = new ModelManager(runtime, registry, {
    session: {
      intraOpThreads: config.runtime.intraOpThreads,
      interOpThreads: config.runtime.interOpThreads,
      graphOptimizationLevel: config.runtime.graphOptimizationLevel,
    },
    warmup: config.runtime.warmup,
    loadRetryMs: config.runtime.loadRetryMs,
    onLoaded: (version, loadMs) =>
      logger.info({ model: version.model, version: version.version, loadMs }, 'model loaded'),
    onFailed: (version, error) =>
      logger.error(
        { model: version.model, version: version.version, err: error.cause ?? error },
        error.message,
      ),
  });
  const resolver = new VersionResolver(registry, config.registry.resolveCacheMs);
  const inference = new InferenceService(resolver, models, {
    maxTensorElements: config.server.maxTensorElements,
  });
  const readiness = new Readiness(models, config.server.strictReadiness);
  const deps: AppDeps = {
    config,
    serverVersion: FERRY_VERSION,
    registry,
    runtime,
    models,
    resolver,
    inference,
    readiness,
    authorizer: new AllowAllAuthorizer(),
  };
  const app = await buildApp(deps, logger);
  try {
    await app.listen({ host: config.server.host, port: config.server.port });
  } catch (error) {
    await app.close();
    await database.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.server.port;
  const host = config.server.host.includes(':') ? `[${config.server.host}]` : config.server.host;
  const url = `http://${host}:${port}`;
  logger.info(
    { url, preload: config.models.preload.map((ref) => formatModelRef(parseModelRef(ref))) },
    'ferry listening',
  );
  const preloaded = preload(config, deps, logger);

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      readiness.markDraining();
      logger.info('draining: finishing in-flight requests');
      let endGrace: () => void = () => undefined;
      const graceOver = new Promise<void>((done) => (endGrace = done));
      const grace = setTimeout(() => {
        logger.warn(
          `requests still running after ${config.server.shutdownGraceMs} ms (server.shutdownGraceMs); closing connections`,
        );
        app.server.closeAllConnections();
        endGrace();
      }, config.server.shutdownGraceMs);
      grace.unref();
      // Keep accepting until quiet (bounded by the grace period), then stop listening and close
      // keep-alive connections as their requests finish.
      await Promise.race([app.drainer.waitUntilQuiet(), graceOver]);
      await Promise.all([app.close(), app.drainer.drain()]);
      clearTimeout(grace);
      await preloaded;
      await models.close();
      await database.close();
      logger.info('stopped');
    })());
  return { url, app, registry, logger, preloaded, close };
}
