import type { IncomingMessage, ServerResponse } from 'node:http';
import { requestIdOf } from '../core/index.js';
import { parseVersionRef } from '../registry/index.js';
import type { InferenceService } from '../serving/index.js';

const INFER_PATH = /^\/v2\/models\/([^/?]+)(?:\/versions\/([^/?]+))?\/infer(?:\?|$)/;

/**
 * Refuse an inference request with 503 OVERLOADED before Fastify sees it, when its version's
 * queue cannot take it (see InferenceService.earlyRefusal). Under overload most requests take
 * this path, so it skips routing, hooks, body parsing and serialisation: the body is never read
 * (Node discards it) and the answer is written in one piece. Returns true when it answered.
 */
export function fastRefusal(
  inference: InferenceService,
): (request: IncomingMessage, response: ServerResponse) => boolean {
  return (request, response) => {
    if (request.method !== 'POST') return false;
    const match = INFER_PATH.exec(request.url ?? '');
    if (match === null) return false;
    let refused;
    try {
      const model = decodeURIComponent(match[1]!);
      const ref = parseVersionRef(match[2] === undefined ? undefined : decodeURIComponent(match[2]));
      const header = request.headers['x-ferry-timeout-ms'];
      const timeout = typeof header === 'string' ? Number(header) : undefined;
      refused = inference.earlyRefusal(
        model,
        ref,
        timeout !== undefined && timeout > 0 ? timeout : undefined,
      );
    } catch {
      return false; // a malformed path or reference: Fastify answers it properly
    }
    if (refused === undefined) return false;
    const given = request.headers['x-request-id'];
    const retryAfter = refused.details?.retryAfterSeconds;
    const body = JSON.stringify({ error: refused.message, code: refused.code });
    response.writeHead(refused.status, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
      'retry-after': String(Math.max(1, Math.ceil(typeof retryAfter === 'number' ? retryAfter : 1))),
      'x-request-id': requestIdOf(given),
    });
    response.end(body);
    return true;
  };
}
