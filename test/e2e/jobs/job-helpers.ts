import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiCall, type ApiResponse } from '../../support/management-api.js';

/** Poll `GET /api/v1/jobs/{id}` until the job is completed or failed; fails after `timeoutMs`. */
export async function waitForJob(baseUrl: string, id: string, timeoutMs = 20_000): Promise<ApiResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const response = await apiCall('GET', `${baseUrl}/api/v1/jobs/${id}`);
    if (response.status !== 200)
      throw new Error(`GET job ${id}: ${response.status} ${JSON.stringify(response.body)}`);
    if (response.body.state === 'completed' || response.body.state === 'failed') return response;
    if (Date.now() > deadline)
      throw new Error(`job ${id} still ${response.body.state} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** One request a callback receiver got. */
export interface ReceivedCallback {
  readonly headers: IncomingHttpHeaders;
  readonly body: any;
  readonly status: number;
}

/** A real HTTP server on 127.0.0.1 that records callbacks and answers them with `statuses` in turn (then 200). */
export interface CallbackReceiver {
  readonly url: string;
  readonly received: ReceivedCallback[];
  /** Resolves once `count` callbacks arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedCallback[]>;
  close(): Promise<void>;
}

export async function startCallbackReceiver(statuses: number[] = []): Promise<CallbackReceiver> {
  const received: ReceivedCallback[] = [];
  const server: Server = createServer((request, response) => {
    let text = '';
    request.on('data', (chunk: Buffer) => (text += chunk.toString()));
    request.on('end', () => {
      const status = statuses.shift() ?? 200;
      received.push({ headers: request.headers, body: JSON.parse(text), status });
      response.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/ferry-callback`,
    received,
    async waitFor(count, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      while (received.length < count) {
        if (Date.now() > deadline)
          throw new Error(`${received.length} of ${count} callbacks after ${timeoutMs} ms`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
