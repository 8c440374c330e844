import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { FerryError } from '../../../core/index.js';
import type { PushInput, PushResult } from '../../../registry/index.js';
import type { AppDeps } from '../../app-deps.js';
import { actorOf } from './authorize-hook.js';

/** Text fields a multipart push may carry before its `artifact` file part. */
const TEXT_FIELDS = ['alias', 'reason', 'description', 'card'] as const;
const JSON_FIELDS = ['lineage', 'signature', 'tags'] as const;
type PushFields = Partial<
  Record<(typeof TEXT_FIELDS)[number], string> & Record<(typeof JSON_FIELDS)[number], unknown>
>;

interface PushQuery {
  alias?: string;
  reason?: string;
  description?: string;
}

function parseJsonField(name: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `multipart field '${name}' is not valid JSON: ${(error as Error).message}`,
    );
  }
}

const unsupportedMediaType = (): FerryError =>
  new FerryError(
    'UNSUPPORTED_MEDIA_TYPE',
    'send the model as application/octet-stream, or as multipart/form-data with an artifact file part',
  );

/**
 * Read a multipart push: text and JSON fields first, then one `artifact` file part, which is
 * streamed straight into the artifact store (never buffered whole). The end of the artifact is
 * held back until the body is known to end with it, so a part after the file (or a second file)
 * fails the push before any version is registered.
 */
async function pushMultipart(
  request: FastifyRequest,
  push: (fields: PushFields, artifact: Readable) => Promise<PushResult>,
): Promise<PushResult> {
  const fields: PushFields = {};
  let pending: { artifact: PassThrough; result: Promise<PushResult> } | undefined;
  try {
    for await (const part of request.parts()) {
      if (pending !== undefined) {
        throw new FerryError(
          'BAD_REQUEST',
          `multipart part '${part.fieldname}' came after the artifact; send every field before the file`,
        );
      }
      if (part.type === 'file') {
        if (part.fieldname !== 'artifact') {
          throw new FerryError(
            'BAD_REQUEST',
            `file part '${part.fieldname}' is unexpected; the model file goes in 'artifact'`,
          );
        }
        const artifact = new PassThrough();
        // Errors reach the push through its reads; this keeps one raised after it stopped reading
        // (the push failed first) from being an unhandled 'error' event.
        artifact.on('error', () => undefined);
        pending = { artifact, result: push(fields, artifact) };
        // The push may fail before it has read the whole file (a bad name, a size limit).
        await Promise.race([pipeline(part.file, artifact, { end: false }), pending.result]);
        continue;
      }
      const value = typeof part.value === 'string' ? part.value : String(part.value);
      if ((TEXT_FIELDS as readonly string[]).includes(part.fieldname)) {
        fields[part.fieldname as (typeof TEXT_FIELDS)[number]] = value;
      } else if ((JSON_FIELDS as readonly string[]).includes(part.fieldname)) {
        fields[part.fieldname as (typeof JSON_FIELDS)[number]] = parseJsonField(part.fieldname, value);
      } else {
        throw new FerryError(
          'BAD_REQUEST',
          `multipart field '${part.fieldname}' is unknown; fields are ${[...TEXT_FIELDS, ...JSON_FIELDS].join(', ')} and the file 'artifact'`,
        );
      }
    }
  } catch (error) {
    if (pending === undefined) throw error;
    // Abort the push (its artifact stream fails with this error) and report why the push failed.
    pending.artifact.destroy(error instanceof Error ? error : new Error(String(error)));
    const pushError = await pending.result.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    throw pushError ?? error;
  }
  if (pending === undefined)
    throw new FerryError('BAD_REQUEST', "the multipart body has no 'artifact' file part");
  pending.artifact.end();
  return pending.result;
}

/**
 * `POST /api/v1/models/{model}/versions`: push a version, as a raw body
 * (`application/octet-stream`, options in the query) or as `multipart/form-data` with card,
 * lineage, signature overrides and tags. 201 for a new version, 200 when the bytes were known.
 */
export async function registerUploadRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const maxBytes = deps.config.registry.maxArtifactBytes;
  await app.register(multipart, {
    limits: { fileSize: maxBytes + 1, files: 1, fields: 20, fieldSize: 8 * 1024 * 1024, parts: 21 },
    // A file over the limit is cut at maxBytes + 1 bytes, so the artifact store always sees it is
    // too large and answers ARTIFACT_TOO_LARGE with its own message, whichever stream fails first.
    throwFileSizeLimit: false,
  });
  // A raw upload is handed over as a stream; the artifact store enforces the size limit.
  app.addContentTypeParser('application/octet-stream', (_request, payload, done) => done(null, payload));
  // Any other type is refused with what this route takes (not the app-wide "send application/json").
  app.addContentTypeParser('*', (_request, _payload, done) => done(unsupportedMediaType(), undefined));

  app.post<{ Params: { model: string }; Querystring: PushQuery }>(
    '/api/v1/models/:model/versions',
    {
      config: { action: 'models:write' },
      bodyLimit: maxBytes,
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            alias: { type: 'string' },
            reason: { type: 'string' },
            description: { type: 'string' },
          },
        },
      },
    },
    async (request, reply) => {
      const { model } = request.params;
      const base = { model, actor: actorOf(request) };
      const push = (input: Omit<PushInput, 'model' | 'actor'>) => deps.registry.push({ ...base, ...input });
      let result: PushResult;
      if (request.isMultipart()) {
        result = await pushMultipart(request, (fields, artifact) =>
          push({
            artifact,
            alias: fields.alias ?? request.query.alias,
            reason: fields.reason ?? request.query.reason,
            description: fields.description ?? request.query.description,
            card: fields.card,
            lineage: fields.lineage as PushInput['lineage'],
            signature: fields.signature as PushInput['signature'],
            tags: fields.tags as PushInput['tags'],
          }),
        );
      } else if (request.headers['content-type']?.startsWith('application/octet-stream')) {
        result = await push({
          artifact: request.body as Readable,
          alias: request.query.alias,
          reason: request.query.reason,
          description: request.query.description,
        });
      } else {
        throw unsupportedMediaType();
      }
      deps.resolver.invalidate(model);
      return reply.code(result.created ? 201 : 200).send(result);
    },
  );
}
