import type { Command } from 'commander';
import type { FerryConfig } from '../../core/index.js';
import type { FerryServer } from '../../server/index.js';
import { configFrom, type TargetOptions } from '../api-target.js';

interface ServeOptions extends TargetOptions {
  host?: string;
  port?: string;
  preload?: string[];
  logLevel?: string;
}

function serveConfig(options: ServeOptions, extraPreload: string[] = []): FerryConfig {
  const server: Record<string, unknown> = {};
  if (options.host !== undefined) server.host = options.host;
  if (options.port !== undefined) server.port = Number(options.port);
  const base = configFrom(options, {
    ...(Object.keys(server).length === 0 ? {} : { server }),
    ...(options.logLevel === undefined ? {} : { log: { level: options.logLevel } }),
  });
  const preload = [...new Set([...base.models.preload, ...(options.preload ?? []), ...extraPreload])];
  return { ...base, models: { ...base.models, preload } };
}

/** Stop gracefully on SIGTERM/SIGINT: finish in-flight requests, then exit. A second signal exits at once. */
function stopOnSignals(server: FerryServer): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(1);
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        server.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

/** Make sure the demo model is registered and aliased `production` (pushing the same bytes is a no-op). */
async function ensureDemoModel(
  config: FerryConfig,
): Promise<{ model: string; version: number; sampleRequest: unknown }> {
  const [{ buildDemoModel }, { openStores }] = await Promise.all([
    import('../../demo/index.js'),
    import('../../server/index.js'),
  ]);
  const demo = buildDemoModel();
  const { database, registry } = await openStores(config);
  try {
    const { version } = await registry.push({
      model: demo.name,
      artifact: demo.bytes,
      actor: 'ferry-demo',
      description: 'Penguin species from body measurements (demo, trained by Ferry on vega-datasets)',
      card: demo.card,
      lineage: demo.lineage,
      signature: demo.signature,
      tags: { demo: 'true' },
    });
    const current = (await registry.getModel(demo.name)).aliases.production;
    if (current === undefined) {
      await registry.setAlias(demo.name, 'production', version.version, {
        actor: 'ferry-demo',
        reason: 'demo model',
      });
    }
    return { model: demo.name, version: version.version, sampleRequest: demo.sampleRequest };
  } finally {
    await database.close();
  }
}

function addServeOptions(command: Command): Command {
  return command
    .option('--host <host>', 'address to bind (default 127.0.0.1; env FERRY_HOST)')
    .option('--port <port>', 'port (default 8080; env FERRY_PORT)')
    .option('--preload <refs...>', 'models to load at start: name, name@alias or name:version')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent');
}

/** `ferry serve` and `ferry demo`. */
export function registerServeCommands(program: Command): void {
  addServeOptions(
    program.command('serve').description('serve the registry and the inference protocol'),
  ).action(async (_options: unknown, command: Command) => {
    const { startFerryServer } = await import('../../server/index.js');
    const server = await startFerryServer(serveConfig(command.optsWithGlobals<ServeOptions>()));
    stopOnSignals(server);
  });

  addServeOptions(
    program
      .command('demo')
      .description('register the demo model (penguin species) and serve it as @production'),
  ).action(async (_options: unknown, command: Command) => {
    const options = command.optsWithGlobals<ServeOptions>();
    const started = performance.now();
    const config = serveConfig(options);
    const demo = await ensureDemoModel(config);
    const { startFerryServer } = await import('../../server/index.js');
    const server = await startFerryServer(serveConfig(options, [`${demo.model}@production`]));
    stopOnSignals(server);
    await server.preloaded;
    const readyMs = Math.round(performance.now() - started);
    server.logger.info({ readyMs, model: demo.model }, 'demo ready');
    process.stderr.write(
      `\nFerry is serving ${demo.model}@production at ${server.url} (ready in ${readyMs} ms). Try:\n\n` +
        `  curl -s ${server.url}/v2/models/${demo.model}/infer -H 'Content-Type: application/json' \\\n` +
        `    -d '${JSON.stringify(demo.sampleRequest)}'\n\n`,
    );
  });
}
