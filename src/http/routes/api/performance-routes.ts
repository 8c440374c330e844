import type { FastifyInstance } from 'fastify';
import type { PerformanceService } from '../../../monitoring/index.js';

interface ModelParams {
  model: string;
}

interface ScopeQuery {
  version?: string;
  window?: string;
  positiveClass?: string;
}

interface PerformanceQueryString extends ScopeQuery {
  slice?: string;
}

interface FairnessQueryString extends ScopeQuery {
  feature?: string;
}

const scopeProperties = {
  version: { type: 'string', minLength: 1, maxLength: 64 },
  window: { type: 'string', minLength: 1, maxLength: 128 },
  positiveClass: { type: 'string', minLength: 1, maxLength: 1024 },
} as const;

const params = {
  type: 'object',
  required: ['model'],
  properties: { model: { type: 'string', minLength: 1, maxLength: 256 } },
} as const;

/**
 * Live performance and fairness of a model, from its prediction log joined with feedback:
 *
 * - `GET /api/v1/models/{model}/performance?version=&window=&slice=&positiveClass=`: accuracy,
 *   precision, recall, F1, ROC AUC and log loss (classifiers) or MAE and RMSE (regressors) of a
 *   window, by slice of a feature (`slice`, else `monitoring.sliceFeatures`);
 * - `GET /api/v1/models/{model}/fairness?version=&window=&feature=&positiveClass=`: selection rate
 *   per group of the sensitive feature, demographic parity, equalized odds, four-fifths rule.
 *
 * `window` is `current` (default), `last` or `<from>/<to>`; `version` a number or an alias (absent:
 * every version logged in the window). See docs/guides/performance-and-fairness.md.
 */
export function registerPerformanceApiRoutes(app: FastifyInstance, performance: PerformanceService): void {
  app.get<{ Params: ModelParams; Querystring: PerformanceQueryString }>(
    '/api/v1/models/:model/performance',
    {
      config: { action: 'predictions:read' },
      schema: {
        params,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...scopeProperties, slice: { type: 'string', minLength: 1, maxLength: 256 } },
        },
      },
    },
    (request) => {
      const { version, window, positiveClass, slice } = request.query;
      return performance.performance({
        model: request.params.model,
        version,
        window,
        positiveClass,
        slices: slice === undefined ? undefined : [slice],
      });
    },
  );

  app.get<{ Params: ModelParams; Querystring: FairnessQueryString }>(
    '/api/v1/models/:model/fairness',
    {
      config: { action: 'predictions:read' },
      schema: {
        params,
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { ...scopeProperties, feature: { type: 'string', minLength: 1, maxLength: 256 } },
        },
      },
    },
    (request) => {
      const { version, window, positiveClass, feature } = request.query;
      return performance.fairness({ model: request.params.model, version, window, positiveClass, feature });
    },
  );
}
