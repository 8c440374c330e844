// Shared pieces of Ferry's benchmarks: child servers pinned to a core, and autocannon runs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import autocannon from 'autocannon';

export const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;

/** Pin this process (the load generator) to the last core, servers to core 0, when taskset exists. */
export const canPin = existsSync('/usr/bin/taskset') && os.cpus().length >= 2;
export function pinSelf() {
  if (!canPin) return 'not pinned (taskset missing or one core)';
  spawn('taskset', ['-cp', String(os.cpus().length - 1), String(process.pid)], { stdio: 'ignore' });
  return `servers on core 0, load generator on core ${os.cpus().length - 1} (taskset)`;
}

/** Start a server process and resolve once it prints a line holding its URL. */
export function startServer(args, urlPattern) {
  const command = canPin ? 'taskset' : process.execPath;
  const argv = canPin ? ['-c', '0', process.execPath, ...args] : args;
  const started = performance.now();
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk;
      const match = urlPattern.exec(output);
      if (match) resolve({ child, url: match[1], output: () => output, startedAt: started });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`server exited (${code}):\n${output}`)));
  });
}

export async function stopServer(server) {
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  await exited;
}

/** A closed-loop autocannon run; returns req/s and latency percentiles in ms. */
export async function load({ url, body, connections, durationSeconds }) {
  const result = await autocannon({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    connections,
    duration: durationSeconds,
  });
  return {
    requestsPerSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx,
    total: result.requests.total,
  };
}

export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}
