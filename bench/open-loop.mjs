// Open-loop load: requests arrive at a fixed rate, evenly spaced, whether or not earlier ones were
// answered, as traffic from many independent clients does; and the overload scenario built on it.
// The generator writes prebuilt HTTP/1.1 requests on raw keep-alive sockets: Node's http client
// costs ~0.2 ms of CPU per request, too slow to offer tens of thousands of requests per second
// from one core.
import net from 'node:net';
import { clearInterval, setInterval } from 'node:timers';
import { cpuSeconds, inferPath, memoryMiB, percentile, sleep, waitIdle } from './lib.mjs';

/**
 * Connections the generator opens before the run and keeps alive: enough for a server that sheds
 * excess load (its queue plus fast rejections) at several times 10,000 req/s. A request due while
 * every connection holds an unanswered request waits for one; that wait is reported, never hidden.
 */
export const CONNECTIONS = 2048;
const SOCKET_ERROR = -1;
const HEADER_END = Buffer.from('\r\n\r\n');
const LAST_CHUNK = Buffer.from('\r\n0\r\n\r\n');

function distribution(values) {
  const sorted = Float64Array.from(values).sort();
  return {
    count: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
  };
}

/**
 * The first complete HTTP/1.1 response in `buffer` — its status, its length in bytes and whether
 * the server closes the connection after it — or undefined while incomplete. Bodies are delimited
 * by Content-Length or chunked encoding.
 */
function parseResponse(buffer) {
  const headerEnd = buffer.indexOf(HEADER_END);
  if (headerEnd === -1) return undefined;
  const head = buffer.toString('latin1', 0, headerEnd);
  const status = Number(head.slice(9, 12));
  const close = /\r\nconnection:\s*close/i.test(head);
  const contentLength = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  let length = headerEnd + 4;
  if (contentLength) length += Number(contentLength[1]);
  else if (/\r\ntransfer-encoding:\s*chunked/i.test(head)) {
    const last = buffer.indexOf(LAST_CHUNK, headerEnd + 2);
    if (last === -1) return undefined;
    length = last + LAST_CHUNK.length;
  }
  return buffer.length >= length ? { status, length, close } : undefined;
}

/**
 * POST `body` to `url` at `rate` requests/s for `durationMs` over CONNECTIONS keep-alive connections
 * opened beforehand, then wait up to `drainMs` for the answers still due and abandon the rest. For
 * each request: send lag (how late the generator got to it against the schedule), connection wait
 * (how long it waited for a free connection because every one held an unanswered request), and
 * latency (write of the request → end of its response).
 */
export async function openLoop({ url, body, rate, durationMs, drainMs }) {
  const target = new URL(url);
  const payload = Buffer.from(body);
  const request = Buffer.concat([
    Buffer.from(
      `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${payload.length}\r\n\r\n`,
    ),
    payload,
  ]);
  const total = Math.round((rate * durationMs) / 1000);
  const latency = new Float64Array(total);
  const finishedAt = new Float64Array(total);
  const status = new Int16Array(total); // 0 while unanswered
  const lag = new Float64Array(total);
  const arrivedAt = new Float64Array(total);
  const connectionWait = [];
  const waiting = new Int32Array(total); // FIFO of requests waiting for a free connection
  let waitingHead = 0;
  let waitingTail = 0;
  const socketErrors = new Map();
  const idle = []; // connections ready for a request
  let inFlight = 0;
  let abandoned = false;
  let allAnswered = () => {};

  const settle = (connection, code) => {
    const i = connection.request;
    connection.request = -1;
    inFlight -= 1;
    if (status[i] === 0 && !abandoned) {
      const now = performance.now();
      latency[i] = now - connection.sentAt;
      finishedAt[i] = now;
      status[i] = code;
    }
  };
  const release = (connection) => {
    if (abandoned) return;
    if (waitingHead < waitingTail) send(connection, waiting[waitingHead++]);
    else {
      idle.push(connection);
      if (inFlight === 0) allAnswered();
    }
  };
  const connect = (connection) => {
    const socket = net.connect({ host: target.hostname, port: Number(target.port) });
    socket.setNoDelay(true);
    connection.socket = socket;
    connection.buffer = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      connection.buffer = connection.buffer.length === 0 ? chunk : Buffer.concat([connection.buffer, chunk]);
      const response = parseResponse(connection.buffer);
      if (response === undefined || connection.request === -1) return;
      connection.buffer = connection.buffer.subarray(response.length);
      settle(connection, response.status);
      if (response.close) socket.destroy();
      else release(connection);
    });
    socket.on('error', (error) => {
      if (connection.request !== -1 && !abandoned) {
        const key = error.code ?? error.message;
        socketErrors.set(key, (socketErrors.get(key) ?? 0) + 1);
      }
    });
    let connected = false;
    socket.once('connect', () => (connected = true));
    socket.on('close', () => {
      if (abandoned || connection.socket !== socket) return;
      if (connection.request !== -1) settle(connection, SOCKET_ERROR);
      else if (idle.includes(connection)) idle.splice(idle.indexOf(connection), 1);
      // Keep the pool full; a request written meanwhile waits for the new connection. A server
      // refusing connections is retried every 100 ms, not in a tight loop.
      const reopen = () => {
        if (abandoned) return;
        void connect(connection);
        release(connection);
      };
      if (connected) reopen();
      else setTimeout(reopen, 100);
    });
    return new Promise((resolve) => {
      socket.once('connect', resolve);
      socket.once('error', resolve);
    });
  };
  const send = (connection, i) => {
    const sentAt = performance.now();
    if (sentAt - arrivedAt[i] > 0.5) connectionWait.push(sentAt - arrivedAt[i]);
    connection.request = i;
    connection.sentAt = sentAt;
    inFlight += 1;
    connection.socket.write(request);
  };
  const arrive = (i, scheduledAt) => {
    arrivedAt[i] = performance.now();
    lag[i] = arrivedAt[i] - scheduledAt;
    const connection = idle.pop();
    if (connection !== undefined) send(connection, i);
    else waiting[waitingTail++] = i;
  };

  // Open the connections in waves, so the server's accept backlog never overflows.
  const connections = Array.from({ length: CONNECTIONS }, () => ({ request: -1, sentAt: 0 }));
  for (let opened = 0; opened < CONNECTIONS; opened += 128) {
    await Promise.all(connections.slice(opened, opened + 128).map(connect));
  }
  const openedConnections = connections.filter((c) => c.socket.readyState === 'open').length;
  idle.push(...connections);

  const startedAt = performance.now();
  const interval = 1000 / rate;
  let next = 0;
  await new Promise((resolve) => {
    const pump = () => {
      const due = Math.min(total, Math.floor((performance.now() - startedAt) / interval) + 1);
      for (; next < due; next++) arrive(next, startedAt + next * interval);
      if (next < total) setImmediate(pump);
      else resolve();
    };
    pump();
  });
  const sendSeconds = (performance.now() - startedAt) / 1000;
  await new Promise((resolve) => {
    if (inFlight === 0 && waitingHead === waitingTail) return resolve();
    const timer = setTimeout(resolve, drainMs);
    allAnswered = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  abandoned = true;
  const unanswered = inFlight;
  const neverSent = waitingTail - waitingHead;
  for (const connection of connections) connection.socket.destroy();

  const byStatus = new Map();
  let okInWindow = 0;
  for (let i = 0; i < total; i++) {
    if (status[i] === 0) continue;
    const list = byStatus.get(status[i]) ?? [];
    list.push(latency[i]);
    byStatus.set(status[i], list);
    if (status[i] === 200 && finishedAt[i] <= startedAt + durationMs) okInWindow += 1;
  }
  return {
    scheduled: total,
    openedConnections,
    targetRate: rate,
    arrivalRate: total / sendSeconds,
    sendLag: distribution(lag),
    connectionWait: { ...distribution(connectionWait), neverSent },
    goodput: okInWindow / (durationMs / 1000),
    ok: distribution(byStatus.get(200) ?? []),
    rejected: distribution(byStatus.get(503) ?? []),
    deadlineExceeded: distribution(byStatus.get(504) ?? []),
    otherStatuses: Object.fromEntries(
      [...byStatus]
        .filter(([code]) => ![200, 503, 504, SOCKET_ERROR].includes(code))
        .map(([code, list]) => [code, list.length]),
    ),
    socketErrors: Object.fromEntries(socketErrors),
    unanswered,
  };
}

/** Poll `url` for up to 10 s; the first status below 500 and how long it took, or undefined. */
async function firstAnswer(url) {
  const started = performance.now();
  while (performance.now() - started < 10_000) {
    const response = await fetch(url, { signal: globalThis.AbortSignal.timeout(2000) }).catch(
      () => undefined,
    );
    await response?.arrayBuffer().catch(() => undefined);
    if (response !== undefined && response.status < 500) {
      return { status: response.status, afterMs: performance.now() - started };
    }
    await sleep(100);
  }
  return undefined;
}

/**
 * Start a server with `start()`, send `model`'s request at `rate`/s for `durationMs`, and sample
 * the server's resident memory every 100 ms. Afterwards the server survived when its process still
 * runs and `liveUrl` answers (below 500) within 10 s of the client giving up on late answers.
 */
export async function overload({ start, model, rate, durationMs, drainMs, liveUrl }) {
  const server = await start();
  try {
    await sleep(500);
    const before = memoryMiB(server.pid);
    const samples = [];
    const sampler = setInterval(() => samples.push({ at: performance.now(), ...memoryMiB(server.pid) }), 100);
    const serverBefore = cpuSeconds(server.pid);
    const startedAt = performance.now();
    const url = server.url + inferPath(model);
    const result = await openLoop({ url, body: model.body, rate, durationMs, drainMs });
    const serverCores = (cpuSeconds(server.pid) - serverBefore) / ((performance.now() - startedAt) / 1000);
    clearInterval(sampler);
    const running = () => server.child.exitCode === null && server.child.signalCode === null;
    const live = running() ? await firstAnswer(server.url + liveUrl) : undefined;
    const memory = memoryMiB(server.pid);
    const half = startedAt + durationMs / 2;
    const maxRss = (list) => Math.max(...list.map((sample) => sample.rss).filter(Number.isFinite));
    const inWindow = samples.filter((sample) => sample.at <= startedAt + durationMs);
    return {
      ...result,
      serverCores,
      survived: running() && live !== undefined,
      live,
      exit: running() ? undefined : `${server.child.exitCode ?? server.child.signalCode}`,
      rssBeforeMiB: before.rss,
      rssFirstHalfMaxMiB: maxRss(inWindow.filter((sample) => sample.at <= half)),
      rssSecondHalfMaxMiB: maxRss(inWindow.filter((sample) => sample.at > half)),
      rssAfterMiB: memory.rss,
      peakRssMiB: Math.max(...[memory.peak, ...samples.map((sample) => sample.peak)].filter(Number.isFinite)),
    };
  } finally {
    if (server.child.exitCode === null) await waitIdle(server.pid, 5000);
    await server.stop();
  }
}
