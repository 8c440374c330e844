// Open-loop load: requests arrive at a fixed rate, evenly spaced, whether or not earlier ones were
// answered (many sockets through one keep-alive agent), as traffic from many independent clients
// does; and the overload scenario built on it.
import http from 'node:http';
import { clearInterval, setInterval } from 'node:timers';
import { cpuSeconds, inferPath, memoryMiB, percentile, sleep, waitIdle } from './lib.mjs';

/**
 * Connections the generator opens before the run and keeps alive: enough for a server that sheds
 * excess load (its queue plus fast rejections) at several times 10,000 req/s. A request due while
 * every connection is busy waits for one; that wait is reported, never hidden in the latency.
 */
export const CONNECTIONS = 2048;
const SOCKET_ERROR = -1;

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
 * Open `count` keep-alive connections in `agent`: `count` concurrent GETs to `url`, so each needs
 * its own connection (GETs in waves would reuse the first wave's).
 */
async function preconnect(agent, url, count) {
  const get = () =>
    new Promise((resolve) => {
      const request = http.get(url, { agent }, (response) => {
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', resolve);
    });
  await Promise.all(Array.from({ length: count }, get));
}

/**
 * POST `body` to `url` at `rate` requests/s for `durationMs` over CONNECTIONS pre-opened keep-alive
 * connections, then wait up to `drainMs` for the answers still due and abandon the rest. For each
 * request: send lag (how late the generator got to it against the schedule), connection wait (how
 * long it waited for a free connection because every one held an unanswered request), and latency
 * (send → end of response).
 */
export async function openLoop({ url, preconnectUrl, body, rate, durationMs, drainMs }) {
  const target = new URL(url);
  const agent = new http.Agent({
    keepAlive: true,
    maxSockets: CONNECTIONS,
    maxFreeSockets: CONNECTIONS,
    scheduling: 'fifo',
  });
  await preconnect(agent, preconnectUrl, CONNECTIONS);
  const openedConnections = Object.values(agent.freeSockets).reduce((n, list) => n + list.length, 0);
  const payload = Buffer.from(body);
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
  const inFlight = new Set();
  let abandoned = false;
  let allAnswered = () => {};

  const send = (i) => {
    const sentAt = performance.now();
    if (sentAt - arrivedAt[i] > 0.5) connectionWait.push(sentAt - arrivedAt[i]);
    const settle = (code) => {
      if (status[i] !== 0 || abandoned) return;
      const now = performance.now();
      latency[i] = now - sentAt;
      finishedAt[i] = now;
      status[i] = code;
      inFlight.delete(request);
      if (waitingHead < waitingTail) send(waiting[waitingHead++]);
      else if (inFlight.size === 0) allAnswered();
    };
    const request = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': payload.length },
      },
      (response) => {
        response.on('data', () => {});
        response.on('end', () => settle(response.statusCode ?? SOCKET_ERROR));
        response.on('error', () => settle(SOCKET_ERROR));
      },
    );
    request.on('error', (error) => {
      if (status[i] !== 0 || abandoned) return;
      const key = error.code ?? error.message;
      socketErrors.set(key, (socketErrors.get(key) ?? 0) + 1);
      settle(SOCKET_ERROR);
    });
    inFlight.add(request);
    request.end(payload);
  };
  const arrive = (i, scheduledAt) => {
    arrivedAt[i] = performance.now();
    lag[i] = arrivedAt[i] - scheduledAt;
    if (inFlight.size < CONNECTIONS) send(i);
    else waiting[waitingTail++] = i;
  };

  const clientBefore = process.cpuUsage();
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
  const client = process.cpuUsage(clientBefore);
  await new Promise((resolve) => {
    if (inFlight.size === 0) return resolve();
    allAnswered = resolve;
    setTimeout(resolve, drainMs);
  });
  abandoned = true;
  const unanswered = inFlight.size;
  const neverSent = waitingTail - waitingHead;
  for (const request of inFlight) request.destroy();
  agent.destroy();

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
    clientCores: (client.user + client.system) / 1e6 / sendSeconds,
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
    const preconnectUrl = server.url + liveUrl;
    const result = await openLoop({ url, preconnectUrl, body: model.body, rate, durationMs, drainMs });
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
