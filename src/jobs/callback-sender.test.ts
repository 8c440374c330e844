import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpCallbackSender } from './callback-sender.js';

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

let server: Server | undefined;

/** A receiver on 127.0.0.1 answering each request with the next status (200 when none is left). */
async function receiver(statuses: number[], delayMs = 0): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      received.push({ headers: request.headers, body });
      setTimeout(() => response.writeHead(statuses.shift() ?? 200).end('ok'), delayMs);
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=t`, received };
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

const delivery = (url: string) => ({ url, jobId: 'job-1', attempt: 2, body: '{"id":"job-1"}' });

describe('HttpCallbackSender', () => {
  it('POSTs the body as JSON with the job id and attempt headers, and reports a 2xx as delivered', async () => {
    const { url, received } = await receiver([204]);
    const sender = new HttpCallbackSender({ allowLoopback: true, timeoutMs: 2000, userAgent: 'ferry/test' });
    expect(await sender.send(delivery(url))).toEqual({ ok: true, status: 204 });
    expect(received).toHaveLength(1);
    expect(received[0]?.body).toBe('{"id":"job-1"}');
    expect(received[0]?.headers).toMatchObject({
      'content-type': 'application/json',
      'x-ferry-job-id': 'job-1',
      'x-ferry-callback-attempt': '2',
      'user-agent': 'ferry/test',
    });
  });

  it('reports a non-2xx answer (redirects included) as a retryable failure', async () => {
    const { url } = await receiver([500, 302]);
    const sender = new HttpCallbackSender({ allowLoopback: true, timeoutMs: 2000, userAgent: 'ferry/test' });
    expect(await sender.send(delivery(url))).toEqual({
      ok: false,
      error: 'the receiver answered HTTP 500',
      retryable: true,
      status: 500,
    });
    expect(await sender.send(delivery(url))).toMatchObject({
      ok: false,
      error: 'the receiver answered HTTP 302',
    });
  });

  it('gives up on a receiver slower than the timeout, as a retryable failure', async () => {
    const { url } = await receiver([200], 1000);
    const sender = new HttpCallbackSender({ allowLoopback: true, timeoutMs: 100, userAgent: 'ferry/test' });
    expect(await sender.send(delivery(url))).toEqual({
      ok: false,
      error: 'no answer within 100 ms (jobs.callbackTimeoutMs)',
      retryable: true,
    });
  });

  it('reports a refused connection as retryable', async () => {
    const { url } = await receiver([]);
    server?.close();
    const sender = new HttpCallbackSender({ allowLoopback: true, timeoutMs: 1000, userAgent: 'ferry/test' });
    const outcome = await sender.send(delivery(url));
    expect(outcome).toMatchObject({
      ok: false,
      retryable: true,
      error: expect.stringContaining('ECONNREFUSED'),
    });
  });

  it('never connects to a loopback receiver unless allowed, by address or by name, and does not retry', async () => {
    const { url, received } = await receiver([200]);
    const sender = new HttpCallbackSender({ allowLoopback: false, timeoutMs: 1000, userAgent: 'ferry/test' });
    expect(await sender.send(delivery(url))).toMatchObject({ ok: false, retryable: false });
    const byName = url.replace('127.0.0.1', 'localhost');
    expect(await sender.send(delivery(byName))).toMatchObject({ ok: false, retryable: false });
    expect(received).toHaveLength(0);
  });
});
