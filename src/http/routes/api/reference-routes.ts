import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { FerryError } from '../../../core/index.js';
import { datasetFormatOf, type DriftMonitoring } from '../../../monitoring/index.js';
import { parseVersionRef } from '../../../registry/index.js';
import { actorOf } from './authorize-hook.js';

interface ReferenceParams {
  model: string;
  version: string;
}

const DATASET_TYPES = [
  'text/csv',
  'application/csv',
  'application/x-ndjson',
  'application/ndjson',
  'application/jsonl',
];

const unsupported = (type: string | undefined): FerryError =>
  new FerryError(
    'UNSUPPORTED_MEDIA_TYPE',
    `Content-Type ${type ?? '(none)'} is not a reference dataset; send CSV as text/csv or NDJSON as application/x-ndjson`,
  );

/** Read a body up to `limit` bytes; BODY_TOO_LARGE naming the setting beyond. */
async function readBody(payload: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(payload.headers['content-length']);
  const tooLarge = () =>
    new FerryError(
      'BODY_TOO_LARGE',
      `the reference dataset is larger than monitoring.referenceMaxBytes (${limit} bytes); send a sample of it, or raise the limit`,
    );
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of payload as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      payload.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Reference profiles of a version: `PUT /api/v1/models/{model}/versions/{v}/reference` with a
 * CSV (`text/csv`) or NDJSON (`application/x-ndjson`) body of at most
 * `monitoring.referenceMaxBytes` builds and stores the profile (inputs from the columns, outputs by
 * running the model); `GET` answers its summary. `{v}` is a version number or an alias.
 */
export function registerReferenceRoutes(
  app: FastifyInstance,
  drift: Pick<DriftMonitoring, 'references'>,
  maxBytes: number,
): void {
  app.addContentTypeParser(DATASET_TYPES, (request, payload, done) => {
    readBody(payload, maxBytes).then(
      (body) => done(null, body),
      (error: unknown) => done(error as Error, undefined),
    );
  });
  app.addContentTypeParser('*', (request, _payload, done) =>
    done(unsupported(request.headers['content-type']), undefined),
  );

  app.put<{ Params: ReferenceParams; Querystring: { source?: string } }>(
    '/api/v1/models/:model/versions/:version/reference',
    {
      config: { action: 'models:write' },
      bodyLimit: maxBytes,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { source: { type: 'string', minLength: 1, maxLength: 256 } },
        },
      },
    },
    async (request) => {
      const type = request.headers['content-type'];
      const format = datasetFormatOf(type);
      if (format === undefined || !Buffer.isBuffer(request.body)) throw unsupported(type);
      return drift.references.attach({
        model: request.params.model,
        ref: parseVersionRef(request.params.version),
        body: request.body,
        format,
        source: request.query.source,
        actor: actorOf(request),
      });
    },
  );

  app.get<{ Params: ReferenceParams }>(
    '/api/v1/models/:model/versions/:version/reference',
    { config: { action: 'models:read' } },
    (request) => drift.references.describe(request.params.model, parseVersionRef(request.params.version)),
  );

  app.delete<{ Params: ReferenceParams }>(
    '/api/v1/models/:model/versions/:version/reference',
    { config: { action: 'models:write' } },
    async (request, reply) => {
      await drift.references.detach(request.params.model, parseVersionRef(request.params.version));
      return reply.status(204).send();
    },
  );
}
