import type { FastifyInstance } from 'fastify';
import { FerryError } from '../core/index.js';
import type { JobService } from './job-service.js';
import type { JobStateKind } from './job-state.js';
import { jobView } from './job-view.js';

interface SubmitBody {
  model: string;
  request: Record<string, unknown>;
  callbackUrl?: string;
  id?: string;
}

interface ListQuery {
  state?: JobStateKind;
  model?: string;
  limit?: string;
}

const JOB_STATES: readonly JobStateKind[] = ['queued', 'running', 'completed', 'failed'];

const jobPath = (id: string): string => `/api/v1/jobs/${encodeURIComponent(id)}`;

/**
 * The async inference API under `/api/v1/jobs`: submit (202 once the job is durable, with a
 * `Location`), read one job with its result, and list jobs. Registered inside the management
 * scope, so every route passes the authorize hook with its declared action.
 */
export function registerJobApiRoutes(app: FastifyInstance, jobs: JobService): void {
  app.post<{ Body: SubmitBody }>(
    '/api/v1/jobs',
    {
      config: { action: 'jobs:write' },
      schema: {
        body: {
          type: 'object',
          required: ['model', 'request'],
          additionalProperties: false,
          properties: {
            model: { type: 'string', minLength: 1, maxLength: 256 },
            request: { type: 'object' },
            callbackUrl: { type: 'string', minLength: 1 },
            id: { type: 'string', minLength: 1, maxLength: 128 },
          },
        },
      },
    },
    async (request, reply) => {
      const { job, created } = await jobs.submit({
        ...request.body,
        submittedBy: request.principal?.id ?? 'anonymous',
      });
      // 202 for a new job; 200 when the caller's id named a job already accepted with this body.
      return reply
        .code(created ? 202 : 200)
        .header('location', jobPath(job.id))
        .send(jobView(job));
    },
  );

  app.get<{ Params: { id: string } }>(
    '/api/v1/jobs/:id',
    { config: { action: 'jobs:read' } },
    async (request) => jobView(await jobs.get(request.params.id)),
  );

  app.get<{ Querystring: ListQuery }>(
    '/api/v1/jobs',
    {
      config: { action: 'jobs:read' },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            state: { type: 'string', enum: [...JOB_STATES] },
            model: { type: 'string', minLength: 1 },
            limit: { type: 'string', pattern: '^[0-9]{1,4}$' },
          },
        },
      },
    },
    async (request) => {
      const { state, model, limit } = request.query;
      const count = limit === undefined ? undefined : Number(limit);
      if (count === 0) throw new FerryError('INVALID_ARGUMENT', 'limit must be at least 1');
      const list = await jobs.list({ state, model, limit: count });
      return { jobs: list.map((job) => jobView(job, { withResult: false })) };
    },
  );
}
