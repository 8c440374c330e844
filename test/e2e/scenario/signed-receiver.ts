import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request whose signature checked out. */
export interface SignedRequest {
  readonly path: string;
  /** `x-ferry-event`: `alert.firing`, `alert.resolved` or `retrain.requested`. */
  readonly event: string;
  /** `x-ferry-delivery`, the same on every retry. */
  readonly delivery: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
}

/**
 * A webhook receiver as a user would write one, on a real HTTP server on 127.0.0.1: each path has
 * its own secret; a request is accepted (204) only when `x-ferry-signature` is
 * `sha256=<hex HMAC-SHA256 of the raw body>` under that secret, checked over the bytes received
 * before they are parsed, and deliveries are deduplicated on `x-ferry-delivery`. Anything else is
 * answered 401 (Ferry does not retry a 4xx) and recorded in `rejected`.
 */
export interface SignedReceiver {
  /** Base URL, without a trailing slash. */
  readonly url: string;
  readonly accepted: SignedRequest[];
  readonly rejected: { readonly path: string; readonly reason: string }[];
  /** Wait until an accepted request matches; fails after `timeoutMs`. */
  waitFor(match: (request: SignedRequest) => boolean, timeoutMs?: number): Promise<SignedRequest>;
  close(): Promise<void>;
}

/** The signature check of the alerts guide (docs/guides/alerts.md). */
export function hasValidSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
  const given = Buffer.from(header ?? '');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** Start a receiver; `secrets` maps each path (e.g. `/hooks/ml`) to its HMAC key. */
export async function startSignedReceiver(
  secrets: Readonly<Record<string, string>>,
): Promise<SignedReceiver> {
  const accepted: SignedRequest[] = [];
  const rejected: { path: string; reason: string }[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '';
      const raw = Buffer.concat(chunks);
      const secret = secrets[path];
      const signature = request.headers['x-ferry-signature'];
      const reason =
        secret === undefined
          ? 'unknown path'
          : !hasValidSignature(secret, raw, typeof signature === 'string' ? signature : undefined)
            ? 'bad signature'
            : undefined;
      if (reason !== undefined) {
        rejected.push({ path, reason });
        response.writeHead(401).end();
        return;
      }
      const delivery = String(request.headers['x-ferry-delivery']);
      if (!accepted.some((seen) => seen.delivery === delivery)) {
        accepted.push({
          path,
          event: String(request.headers['x-ferry-event']),
          delivery,
          headers: request.headers,
          body: JSON.parse(raw.toString('utf8')),
        });
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    accepted,
    rejected,
    async waitFor(match, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = accepted.find(match);
        if (found !== undefined) return found;
        if (rejected.length > 0) throw new Error(`the receiver refused ${JSON.stringify(rejected)}`);
        if (Date.now() > deadline) {
          throw new Error(`no matching request after ${timeoutMs} ms; got ${JSON.stringify(accepted)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
