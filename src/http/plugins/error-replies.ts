import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FerryError, toFerryError, type ErrorCode } from '../../core/index.js';

/** Fastify's own error codes and the Ferry code each becomes. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'INVALID_JSON',
  FST_ERR_CTP_INVALID_JSON_BODY: 'INVALID_JSON',
  FST_ERR_VALIDATION: 'INVALID_ARGUMENT',
  FST_REQ_FILE_TOO_LARGE: 'ARTIFACT_TOO_LARGE',
  FST_INVALID_MULTIPART_CONTENT_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_PARTS_LIMIT: 'BAD_REQUEST',
  FST_FILES_LIMIT: 'BAD_REQUEST',
  FST_FIELDS_LIMIT: 'BAD_REQUEST',
};

/** Codes a healthy server answers under load or client churn; logged at debug level. */
const EXPECTED_UNDER_LOAD: ReadonlySet<ErrorCode> = new Set(['OVERLOADED', 'DEADLINE_EXCEEDED', 'CANCELLED']);

/** Turn any error raised while handling a request into a FerryError. */
export function asFerryError(error: unknown, request: FastifyRequest): FerryError {
  if (error instanceof FerryError) return error;
  const fastifyError = error as Partial<FastifyError>;
  const code = fastifyError.code === undefined ? undefined : FASTIFY_CODES[fastifyError.code];
  if (code === 'UNSUPPORTED_MEDIA_TYPE') {
    const type = request.headers['content-type'] ?? '(none)';
    return new FerryError(code, `Content-Type ${type} is not accepted here; send application/json`, {
      cause: error,
    });
  }
  if (code === 'BODY_TOO_LARGE') {
    const binary = !(request.headers['content-type'] ?? '').includes('json');
    const key = binary ? 'server.binaryBodyLimitBytes' : 'server.bodyLimitBytes';
    return new FerryError(code, `the request body is larger than the limit (${key})`, {
      cause: error,
    });
  }
  if (
    fastifyError.code === 'FST_FILES_LIMIT' ||
    fastifyError.code === 'FST_PARTS_LIMIT' ||
    fastifyError.code === 'FST_FIELDS_LIMIT'
  ) {
    return new FerryError(
      'BAD_REQUEST',
      'the multipart body has too many parts: send one artifact file and at most the documented fields',
      { cause: error },
    );
  }
  if (code !== undefined) return new FerryError(code, fastifyError.message ?? code, { cause: error });
  return toFerryError(error);
}

/** Is this a route of the inference protocol (which has its own error body shape)? */
const isProtocolRoute = (url: string): boolean =>
  url === '/v2' || url.startsWith('/v2/') || url.startsWith('/v2?');

/**
 * Send an error in the body shape of its route family: on `/v2` the protocol's
 * `{"error": "<message>", "code": "<CODE>"}`; elsewhere `{"error": {"code", "message", "details"}}`.
 */
export function sendError(reply: FastifyReply, error: FerryError): FastifyReply {
  const retryAfter = error.details?.retryAfterSeconds;
  if (typeof retryAfter === 'number') reply.header('retry-after', String(Math.max(1, Math.ceil(retryAfter))));
  const body = isProtocolRoute(reply.request.url)
    ? { error: error.message, code: error.code }
    : {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      };
  return reply.code(error.status).type('application/json; charset=utf-8').send(body);
}

/** Install the error and not-found handlers. */
export function registerErrorReplies(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const ferryError = asFerryError(error, request);
    // Refusals under load are the system working as designed: not errors, and too many to log as such.
    if (ferryError.status >= 500 && !EXPECTED_UNDER_LOAD.has(ferryError.code)) {
      request.log.error({ err: error, code: ferryError.code }, ferryError.message);
    } else {
      request.log.debug({ code: ferryError.code }, ferryError.message);
    }
    return sendError(reply, ferryError);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(
      reply,
      new FerryError(
        'ROUTE_NOT_FOUND',
        `no route ${request.method} ${request.url.split('?')[0]}; see docs/reference/http-api.md`,
      ),
    ),
  );
}
