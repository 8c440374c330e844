// Closed-loop load: a Node http client with microsecond latency resolution (autocannon rounds
// latencies to whole milliseconds, too coarse for sub-millisecond comparisons), autocannon for
// high concurrency, the matrix running every contender at every concurrency, and the overhead of
// monitoring (Ferry with and without it, side by side).
import http from 'node:http';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import autocannon from 'autocannon';
import { cpuSeconds, inferPath, machineBusySeconds, percentile, threadCpuSeconds, waitIdle } from './lib.mjs';

/**
 * `connections` workers each send one POST, wait for the full response, and repeat, for
 * `durationMs` after `warmupMs`. Returns req/s, p50/p90/p99 in ms, and errors.
 */
export async function closedLoop({ url, body, connections, durationMs, warmupMs = 1000 }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const payload = Buffer.from(body);
  const latencies = [];
  let errors = 0;
  let recording = false;
  let stop = false;
  const once = () =>
    new Promise((resolve) => {
      const started = process.hrtime.bigint();
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
          response.on('end', () => {
            const ms = Number(process.hrtime.bigint() - started) / 1e6;
            if (recording) {
              if (response.statusCode === 200) latencies.push(ms);
              else errors += 1;
            }
            resolve();
          });
        },
      );
      request.on('error', () => {
        if (recording) errors += 1;
        resolve();
      });
      request.end(payload);
    });
  const worker = async () => {
    while (!stop) await once();
  };
  const workers = Array.from({ length: connections }, worker);
  await new Promise((resolve) => setTimeout(resolve, warmupMs));
  recording = true;
  const started = performance.now();
  await new Promise((resolve) => setTimeout(resolve, durationMs));
  recording = false;
  const elapsed = (performance.now() - started) / 1000;
  stop = true;
  await Promise.all(workers);
  agent.destroy();
  latencies.sort((a, b) => a - b);
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p90: percentile(latencies, 90),
    p99: percentile(latencies, 99),
    errors,
    count: latencies.length,
  };
}

// Every contender at c = 1 (the µs client above) and c = 16, 64, 256 (autocannon), alternating
// contenders and repeating so drift on the machine affects all alike.
export const CONCURRENCIES = [1, 16, 64, 256];

async function autocannonRun({ url, body, connections, durationMs }) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: durationMs / 1000,
  });
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/**
 * One measured run; adds the CPU (in cores) the server, this client and everything else on the
 * machine used meanwhile — other work on a shared machine shows up as "other".
 */
async function runOnce(
  contender,
  model,
  connections,
  { durationMs, warmupMs, others = [], withTail = false },
) {
  // Every server idle first: no backlog of one run (a flush, say) competes with the next.
  await Promise.all([contender, ...others].map((server) => waitIdle(server.pid)));
  const url = contender.url + inferPath(model);
  const serverBefore = cpuSeconds(contender.pid);
  const threadsBefore = threadCpuSeconds(contender.pid);
  const clientBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const started = performance.now();
  const result =
    connections === 1
      ? await closedLoop({ url, body: model.body, connections, durationMs, warmupMs })
      : await autocannonRun({ url, body: model.body, connections, durationMs });
  const seconds = (performance.now() - started) / 1000;
  const server = cpuSeconds(contender.pid) - serverBefore;
  const threadsAfter = threadCpuSeconds(contender.pid);
  const clientUsage = process.cpuUsage(clientBefore);
  const client = (clientUsage.user + clientUsage.system) / 1e6;
  const other = machineBusySeconds() - machineBefore - server - client;
  // CPU the server still spends on the run's requests after it (a flush of buffered predictions,
  // say): charged to the run as if it had happened inside it, for `withTail`.
  let tailSeconds = 0;
  if (withTail) {
    const tailStart = cpuSeconds(contender.pid);
    await waitIdle(contender.pid);
    tailSeconds = Math.max(0, cpuSeconds(contender.pid) - tailStart);
  }
  return {
    ...result,
    tailSeconds,
    requestsPerSecondWithTail: (result.requestsPerSecond * seconds) / (seconds + tailSeconds),
    serverCores: server / seconds,
    // The server's CPU per answered request, µs, by thread (see threadCpuSeconds).
    cpuPerRequest: Object.fromEntries(
      Object.keys(threadsAfter).map((key) => [
        key,
        ((threadsAfter[key] - threadsBefore[key]) * 1e6) / (result.requestsPerSecond * seconds),
      ]),
    ),
    clientCores: client / seconds,
    otherCores: Math.max(0, other / seconds),
  };
}

const mean = (values) => values.reduce((a, b) => a + b, 0) / values.length;

/** Mean of each metric over the repeats, with the spread of req/s. */
function summarise(runs) {
  const rps = runs.map((run) => run.requestsPerSecond);
  return {
    requestsPerSecond: mean(rps),
    rowsPerSecond: mean(rps), // one row per request
    rpsMin: Math.min(...rps),
    rpsMax: Math.max(...rps),
    p50: mean(runs.map((run) => run.p50)),
    p99: mean(runs.map((run) => run.p99)),
    errors: runs.reduce((total, run) => total + run.errors, 0),
    serverCores: mean(runs.map((run) => run.serverCores)),
    clientCores: mean(runs.map((run) => run.clientCores)),
    otherCores: mean(runs.map((run) => run.otherCores)),
    tailSeconds: mean(runs.map((run) => run.tailSeconds)),
    cpuPerRequest: Object.fromEntries(
      Object.keys(runs[0].cpuPerRequest).map((key) => [key, mean(runs.map((run) => run.cpuPerRequest[key]))]),
    ),
    requestsPerSecondWithTail: mean(runs.map((run) => run.requestsPerSecondWithTail)),
    repeats: runs.length,
  };
}

/**
 * For each model and concurrency, `repeats` rounds of one run per contender, the order rotating
 * each round. Each contender is warmed up per model first. Returns
 * `results[model][concurrency][contender] = summary`.
 */
export async function closedLoopMatrix({ models, contenders, durationMs, warmupMs, repeats, log }) {
  const results = {};
  for (const model of models) {
    results[model.name] = {};
    for (const contender of contenders) {
      await waitIdle(contender.pid);
      await autocannonRun({
        url: contender.url + inferPath(model),
        body: model.body,
        connections: 16,
        durationMs: warmupMs,
      });
    }
    for (const connections of CONCURRENCIES) {
      const runs = Object.fromEntries(contenders.map((contender) => [contender.name, []]));
      for (let round = 0; round < repeats; round++) {
        const order = contenders.map((_, i) => contenders[(i + round) % contenders.length]);
        for (const contender of order) {
          const run = await runOnce(contender, model, connections, { durationMs, warmupMs });
          runs[contender.name].push(run);
          log(
            `${model.name} c=${connections} ${contender.name}: ${run.requestsPerSecond.toFixed(0)} req/s, ` +
              `p50 ${run.p50.toFixed(3)} ms, p99 ${run.p99.toFixed(3)} ms, errors ${run.errors}`,
          );
        }
      }
      results[model.name][connections] = Object.fromEntries(
        Object.entries(runs).map(([name, list]) => [name, summarise(list)]),
      );
    }
  }
  return results;
}

/**
 * A 95% confidence interval of the ratio from paired per-round ratios: Student's t on their
 * logarithms (a ratio's noise is multiplicative), back-transformed. Undefined for fewer than 2.
 */
export function ratioInterval(ratios) {
  const n = ratios.length;
  if (n < 2) return undefined;
  const logs = ratios.map(Math.log);
  const centre = logs.reduce((a, b) => a + b, 0) / n;
  const sd = Math.sqrt(logs.reduce((sum, x) => sum + (x - centre) ** 2, 0) / (n - 1));
  const half = (tQuantile(0.975, n - 1) * sd) / Math.sqrt(n);
  return { low: Math.exp(centre - half), high: Math.exp(centre + half) };
}

/** Concurrencies of the monitoring overhead rows. */
export const MONITORING_CONCURRENCIES = [16, 64];

/** Predictions a Ferry server's log dropped since start (`GET /api/v1/health`), NaN when unknown. */
async function droppedPredictions(server) {
  try {
    const health = await (await fetch(`${server.url}/api/v1/health`)).json();
    return Number(health.monitoring?.dropped ?? NaN);
  } catch {
    return NaN;
  }
}

/**
 * Ferry with monitoring (`on`: prediction log, live profiles and validation at sampling 1) and
 * without it (`off`: `monitoring.enabled=false`), per model and concurrency. `on` and `off` are
 * lists of as many server processes each: two processes of the same code and settings differ in
 * speed by several percent for their whole life (memory layout, the JIT's choices), so one process
 * a side would measure that luck along with monitoring. Each of `repeats` rounds runs every pair
 * (on[i], off[i]) once, the order within a pair alternating by round and pair. Returns
 * `results[model][concurrency] = { on, off, ratio, pairRatios, ratios, interval, dropped }`:
 * ratio = mean on req/s ÷ mean off req/s over every run; pairRatios, one per pair over its rounds
 * (the 95% interval comes from them when there are two pairs or more, so it covers the processes'
 * differences; from the per-round ratios otherwise); dropped = predictions the `on` servers
 * dropped during their runs (a full log buffer makes monitoring cheaper). Every server is first
 * loaded at c = 64 for `warmupMs` per model.
 */
export async function monitoringOverhead({ models, on, off, durationMs, warmupMs, repeats, log }) {
  if (on.length !== off.length || on.length === 0)
    throw new Error('monitoringOverhead needs as many on as off servers');
  const everyServer = [...on, ...off];
  const results = {};
  for (const model of models) {
    results[model.name] = {};
    for (const server of everyServer) {
      await waitIdle(server.pid);
      // Long enough at full load for the JIT to settle on the flush's code for this model and the
      // heap to size itself: each server's measured runs are few, so a transient would weigh.
      await autocannonRun({
        url: server.url + inferPath(model),
        body: model.body,
        connections: 64,
        durationMs: warmupMs,
      });
    }
    for (const connections of MONITORING_CONCURRENCIES) {
      // runs[side][pair][round]
      const runs = { on: on.map(() => []), off: off.map(() => []) };
      let dropped = 0;
      for (let round = 0; round < repeats; round++) {
        for (let pair = 0; pair < on.length; pair++) {
          const order = (round + pair) % 2 === 0 ? [on[pair], off[pair]] : [off[pair], on[pair]];
          for (const server of order) {
            const key = server === on[pair] ? 'on' : 'off';
            const droppedBefore = key === 'on' ? await droppedPredictions(server) : 0;
            const run = await runOnce(server, model, connections, {
              durationMs,
              warmupMs,
              others: everyServer.filter((other) => other !== server),
              withTail: true,
            });
            if (key === 'on') dropped += (await droppedPredictions(server)) - droppedBefore;
            runs[key][pair].push(run);
            log(
              `monitoring ${key} #${pair + 1}, ${model.name} c=${connections}: ${run.requestsPerSecond.toFixed(0)} req/s, ` +
                `server cores ${run.serverCores.toFixed(2)}, tail ${run.tailSeconds.toFixed(2)} s, errors ${run.errors}`,
            );
          }
        }
      }
      const meanRps = (list) => mean(list.map((run) => run.requestsPerSecond));
      const summary = { on: summarise(runs.on.flat()), off: summarise(runs.off.flat()), dropped };
      summary.ratio = summary.on.requestsPerSecond / summary.off.requestsPerSecond;
      summary.pairRatios = runs.on.map((list, pair) => meanRps(list) / meanRps(runs.off[pair]));
      summary.ratios = Array.from(
        { length: repeats },
        (_, round) =>
          meanRps(runs.on.map((list) => list[round])) / meanRps(runs.off.map((list) => list[round])),
      );
      summary.interval = ratioInterval(on.length > 1 ? summary.pairRatios : summary.ratios);
      // The same ratio with the CPU each server spent after its runs charged to them.
      summary.ratioWithTail = summary.on.requestsPerSecondWithTail / summary.off.requestsPerSecondWithTail;
      log(
        `monitoring ${model.name} c=${connections}: on ÷ off = ${summary.ratio.toFixed(2)} ` +
          `(pairs ${summary.pairRatios.map((x) => x.toFixed(2)).join(', ')}; ` +
          `${summary.ratioWithTail.toFixed(2)} with tail), dropped ${dropped}`,
      );
      results[model.name][connections] = summary;
    }
  }
  return results;
}
