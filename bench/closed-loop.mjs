// A closed-loop HTTP load generator with microsecond latency resolution (autocannon rounds
// latencies to whole milliseconds, too coarse for sub-millisecond comparisons).
import http from 'node:http';

function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

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
