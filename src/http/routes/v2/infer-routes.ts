import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { FerryError } from '../../../core/index.js';
import { claimedActor } from '../../../governance/index.js';
import { parseVersionRef } from '../../../registry/index.js';
import { CancellationSource, toJsonResponse } from '../../../serving/index.js';
import type { AppDeps } from '../../app-deps.js';
import { binaryOutputNames, binaryResponse, splitBinaryRequest } from './binary-body.js';

interface InferParams {
  model: string;
  version?: string;
}

const TIMEOUT_HEADER = 'x-ferry-timeout-ms';

function timeoutFromHeader(request: FastifyRequest): number | undefined {
  const raw = request.headers[TIMEOUT_HEADER];
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (typeof raw !== 'string' || !Number.isFinite(value) || value <= 0) {
    throw new FerryError('BAD_REQUEST', `${TIMEOUT_HEADER} must be a positive number of milliseconds`);
  }
  return value;
}

/** A cancellation that fires when the client goes away before its answer is written. */
function clientGone(reply: FastifyReply): CancellationSource {
  const source = new CancellationSource();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) source.cancel();
  });
  return source;
}

/**
 * `POST /v2/models/{m}[/versions/{v}]/infer` with a JSON body, or a binary body of Triton's
 * binary tensor extension (`Inference-Header-Content-Length` gives the JSON header's length).
 */
export async function registerInferRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await app.register((scope, _options, done) => {
    // Bodies other than JSON arrive as bytes; only the binary extension may use them.
    scope.addContentTypeParser(
      ['application/octet-stream', '*'],
      { parseAs: 'buffer', bodyLimit: deps.config.server.binaryBodyLimitBytes },
      (_request, body, done) => done(null, body),
    );

    const infer = async (request: FastifyRequest<{ Params: InferParams }>, reply: FastifyReply) => {
      const headerLength = request.headers['inference-header-content-length'];
      let body: unknown = request.body;
      let binaryInputs: Map<string, Uint8Array> | undefined;
      if (Buffer.isBuffer(request.body)) {
        const untyped = request.headers['content-type'] === undefined;
        if (typeof headerLength !== 'string' && !untyped) {
          throw new FerryError(
            'UNSUPPORTED_MEDIA_TYPE',
            `Content-Type ${request.headers['content-type']} is not accepted here; send application/json, or binary tensors with an Inference-Header-Content-Length header`,
          );
        }
        // A body with no Content-Type and no header length is plain JSON (tritonclient sends JSON-only requests so).
        if (typeof headerLength !== 'string' && request.body.byteLength > deps.config.server.bodyLimitBytes) {
          throw new FerryError(
            'BODY_TOO_LARGE',
            'the request body is larger than the limit (server.bodyLimitBytes)',
          );
        }
        ({ header: body, binaryInputs } = splitBinaryRequest(
          request.body,
          typeof headerLength === 'string' ? headerLength : String(request.body.byteLength),
          deps.config.server.maxJsonDepth,
        ));
      }
      const result = await deps.inference.infer(
        request.params.model,
        parseVersionRef(request.params.version),
        body,
        {
          cancellation: clientGone(reply),
          timeoutMs: timeoutFromHeader(request),
          binaryInputs,
          // monitoring (src/monitoring): recorded with the logged prediction; feedback joins on the id.
          requestId: request.id,
          caller: claimedActor(request.headers),
        },
      );
      const binary = binaryOutputNames(body, result);
      if (binary.size === 0) return toJsonResponse(result);
      const encoded = binaryResponse(result, binary);
      return reply
        .type('application/octet-stream')
        .header('inference-header-content-length', encoded.headerLength)
        .send(encoded.body);
    };

    scope.post<{ Params: InferParams }>('/v2/models/:model/infer', infer);
    scope.post<{ Params: InferParams }>('/v2/models/:model/versions/:version/infer', infer);
    done();
  });
}
