import { createServer } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { requestIdOf } from '../core/index.js';
import type { AppDeps } from './app-deps.js';
// --- jobs (src/jobs): async inference routes ---
import { registerJobApiRoutes, type JobRouteDeps } from '../jobs/index.js';
// --- end jobs ---
import { ConnectionDrainer } from './connection-drainer.js';
import { fastRefusal } from './fast-refusal.js';
import { registerErrorReplies } from './plugins/error-replies.js';
import { registerJsonBody } from './plugins/json-body.js';
import { registerAlertApiRoutes } from './routes/api/alert-routes.js'; // alerts (src/monitoring/alerts)
import { registerAliasApiRoutes } from './routes/api/alias-routes.js';
import { registerAuthorizeHook } from './routes/api/authorize-hook.js';
import { registerHealthApiRoutes } from './routes/api/health-routes.js';
import { registerModelApiRoutes } from './routes/api/model-routes.js';
import { registerFeedbackApiRoutes } from './routes/api/feedback-routes.js'; // monitoring
import { registerPredictionApiRoutes } from './routes/api/prediction-routes.js'; // monitoring
import { registerPerformanceApiRoutes } from './routes/api/performance-routes.js'; // performance and fairness
import { registerUploadRoutes } from './routes/api/upload-routes.js';
import { registerDriftRoutes } from './routes/api/drift-routes.js'; // drift (src/monitoring/drift)
import { registerReferenceRoutes } from './routes/api/reference-routes.js'; // profiles (src/monitoring/profiles)
import { registerMetricsRoutes } from './routes/metrics-routes.js';
import { registerHealthRoutes } from './routes/v2/health-routes.js';
import { registerInferRoutes } from './routes/v2/infer-routes.js';
import { registerModelRoutes } from './routes/v2/model-routes.js';
import { registerServerRoutes } from './routes/v2/server-routes.js';
import { registerStatsRoutes } from './routes/v2/stats-routes.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** Drains keep-alive connections at shutdown without resetting requests already sent. */
    drainer: ConnectionDrainer;
  }
}

/** Build the Fastify app: the inference protocol under `/v2`, management under `/api/v1`. */
export async function buildApp(
  deps: AppDeps & JobRouteDeps, // jobs (src/jobs): `deps.jobs` is present when jobs.enabled
  logger: FastifyBaseLogger,
): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger,
    // Per-request logs would cost the hot path; completions are logged at debug level below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: deps.config.server.bodyLimitBytes,
    requestIdHeader: false,
    // A caller's own request id is kept when it is sane, so logs join across services.
    genReqId: (request) => requestIdOf(request.headers['x-request-id']),
    // Shutdown is drained by ConnectionDrainer: requests already sent are served, never reset.
    return503OnClosing: false,
    // Schemas validate exactly: unknown keys and wrongly typed values are refused, never dropped
    // or coerced silently (Fastify's defaults remove additional properties and coerce types).
    ajv: {
      customOptions: { removeAdditional: false, coerceTypes: false, useDefaults: true, allErrors: false },
    },
    forceCloseConnections: false,
    // Overload refusals are answered before Fastify: see fast-refusal.ts.
    serverFactory: (handler) => {
      const refuse = fastRefusal(deps.inference);
      return createServer((request, response) => {
        if (!refuse(request, response)) handler(request, response);
      });
    },
  });
  const drainer = new ConnectionDrainer(app.server);
  app.decorate('drainer', drainer);
  app.addHook('onRequest', (request, _reply, done) => {
    drainer.requestStarted(request.raw.socket);
    done();
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (drainer.isDraining) reply.header('connection', 'close');
  });
  app.addHook('onResponse', async (request, reply) => {
    drainer.requestFinished(request.raw.socket);
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: reply.elapsedTime },
      'request completed',
    );
  });
  registerErrorReplies(app);
  // Only JSON is parsed (and octet-stream/multipart on the upload route); plain text gets a clear 415.
  app.removeContentTypeParser('text/plain');
  registerJsonBody(app, { maxDepth: deps.config.server.maxJsonDepth });

  registerHealthRoutes(app, deps);
  registerServerRoutes(app, deps);
  registerModelRoutes(app, deps);
  await registerInferRoutes(app, deps);
  // Telemetry: the statistics extension and Prometheus metrics (src/telemetry).
  registerStatsRoutes(app, deps);
  registerMetricsRoutes(app, deps);

  await app.register(async (api) => {
    registerAuthorizeHook(api, deps.authorizer);
    registerHealthApiRoutes(api, deps);
    registerModelApiRoutes(api, deps);
    registerAliasApiRoutes(api, deps);
    if (deps.jobs !== undefined) registerJobApiRoutes(api, deps.jobs); // jobs (src/jobs)
    // --- monitoring (src/monitoring): prediction log and feedback ---
    if (deps.predictionMonitoring !== undefined) {
      registerPredictionApiRoutes(api, deps.predictionMonitoring);
      registerFeedbackApiRoutes(api, deps.predictionMonitoring);
    }
    // --- end monitoring ---
    // performance and fairness (src/monitoring/performance)
    if (deps.performance !== undefined) registerPerformanceApiRoutes(api, deps.performance);
    if (deps.alerts !== undefined) registerAlertApiRoutes(api, deps.alerts); // alerts (src/monitoring/alerts)
    await api.register(async (uploads) => registerUploadRoutes(uploads, deps));
    // --- profiles and drift (src/monitoring/{profiles,drift}): reference datasets have their own body parsers ---
    const drift = deps.drift;
    if (drift !== undefined) {
      registerDriftRoutes(api, drift);
      await api.register((references) => {
        registerReferenceRoutes(references, drift, deps.config.monitoring.referenceMaxBytes);
        return Promise.resolve();
      });
    }
    // --- end profiles and drift ---
  });
  return app;
}
