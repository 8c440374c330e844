// Shared pieces of Ferry's benchmarks: processes pinned to a core, accounting from /proc, and the
// contenders — Ferry, naive and floor as pinned child servers, raw session.run in-process.
// (bench/ holds few files on purpose: eslint.config.js lints bench/*.mjs through typescript-eslint's
// default project, which refuses more than 8 files across `eslint .`.)
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';

export const CLI = new URL('../dist/cli/main.js', import.meta.url).pathname;
const NAIVE = new URL('./baselines/naive-server.mjs', import.meta.url).pathname;
const FLOOR = new URL('./baselines/floor-server.mjs', import.meta.url).pathname;

// ---------------------------------------------------------------- pinning and child processes

/** Servers (and the raw compute ceiling) run on core 0; the load generator on the last core. */
export const SERVER_CORE = 0;
export const CLIENT_CORE = os.cpus().length - 1;
export const canPin = existsSync('/usr/bin/taskset') && os.cpus().length >= 2;

/**
 * Pin every thread of this process to `core`. `-a` matters: without it only the main thread moves
 * and V8's and libuv's helper threads, started before, stay free to run anywhere.
 */
function pinThisProcess(core) {
  const result = spawnSync('taskset', ['-a', '-cp', String(core), String(process.pid)]);
  if (result.status !== 0) throw new Error(`taskset failed: ${String(result.stderr).trim()}`);
}

/** Pin the load generator (this process) to the last core; returns how pinning was done, for the report. */
export function pinSelf() {
  if (!canPin) return 'not pinned (taskset missing or one core)';
  pinThisProcess(CLIENT_CORE);
  return (
    `each server process (all its threads: event loop, worker threads, ONNX Runtime threads) on core ` +
    `${SERVER_CORE} via \`taskset -c ${SERVER_CORE} node …\`; the load generator (the bench process, all ` +
    `threads) on core ${CLIENT_CORE} via \`taskset -a -cp ${CLIENT_CORE} <pid>\`; one server is measured ` +
    `at a time, and the previous one is idle (its CPU time stops growing) before the next run starts`
  );
}

/** Every child started here, killed if the benchmark itself exits early. */
const children = new Set();
process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

/**
 * Spawn `node ...args` pinned to the server core (taskset execs node, so the pid is node's). The
 * child gets this environment without FERRY_* variables, plus `env`, so only the settings the
 * benchmark states apply.
 */
export function spawnPinned(args, env = {}, cwd = undefined) {
  const command = canPin ? 'taskset' : process.execPath;
  const argv = canPin ? ['-c', String(SERVER_CORE), process.execPath, ...args] : args;
  const inherited = Object.entries(process.env).filter(([key]) => !key.startsWith('FERRY_'));
  const child = spawn(command, argv, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...Object.fromEntries(inherited), ...env },
    cwd,
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  // Keep the head (start-up messages) and the tail (the reason of a crash), not every log line.
  let head = '';
  let tail = '';
  const collect = (chunk) => {
    if (head.length < 16 * 1024) head += chunk;
    else tail = (tail + chunk).slice(-16 * 1024);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  return { child, output: () => (tail === '' ? head : `${head}\n…\n${tail}`) };
}

/** Start a server process and resolve once it prints a line holding its URL. */
export function startServer(args, urlPattern, env = {}) {
  const started = performance.now();
  const { child, output } = spawnPinned(args, env);
  return new Promise((resolve, reject) => {
    const onData = () => {
      const match = urlPattern.exec(output());
      if (match) resolve({ child, url: match[1], output, startedAt: started, pid: child.pid });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}):\n${output()}`)));
  });
}

export async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const exited = new Promise((resolve) => server.child.once('exit', resolve));
  server.child.kill('SIGTERM');
  const timer = setTimeout(() => server.child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}

/** A TCP port that was free a moment ago (for servers that do not print their URL). */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Poll `url` until it answers `status`, or throw after `timeoutMs`. */
async function waitForStatus(url, { status = 200, timeoutMs = 60_000, intervalMs = 5 } = {}) {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const response = await fetch(url).catch(() => undefined);
    await response?.arrayBuffer();
    if (response?.status === status) return;
    if (performance.now() > deadline) {
      throw new Error(`${url} did not answer ${status} within ${timeoutMs} ms (last: ${response?.status})`);
    }
    await sleep(intervalMs);
  }
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---------------------------------------------------------------- accounting

/** CPU seconds (user + system, all threads) a process has used, from /proc/<pid>/stat. */
export function cpuSeconds(pid) {
  try {
    const { user, system } = statSeconds(`/proc/${pid}/stat`);
    return user + system;
  } catch {
    return NaN;
  }
}

/** User and system CPU seconds from a /proc `stat` file (utime, stime in clock ticks, USER_HZ = 100). */
function statSeconds(path) {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / 100, system: Number(fields[12]) / 100 };
}

/**
 * CPU seconds of a process split by thread, from /proc/<pid>/task/<tid>/stat: the main thread (the
 * event loop; its tid is the pid) as user and system time, and every other thread together (V8's
 * garbage-collection and compiler helpers, libuv's pool, ONNX Runtime's threads). A thread that
 * ended between two readings takes its time with it, so a difference can miss a little.
 */
export function threadCpuSeconds(pid) {
  const split = { loopUser: 0, loopSystem: 0, otherThreads: 0 };
  let tids = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return { loopUser: NaN, loopSystem: NaN, otherThreads: NaN };
  }
  for (const tid of tids) {
    try {
      const { user, system } = statSeconds(`/proc/${pid}/task/${tid}/stat`);
      if (tid === String(pid)) {
        split.loopUser = user;
        split.loopSystem = system;
      } else split.otherThreads += user + system;
    } catch {
      // The thread ended while being read.
    }
  }
  return split;
}

/** CPU seconds the whole machine has been busy (every core, every process), from /proc/stat. */
export function machineBusySeconds() {
  try {
    const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).map(Number);
    const [user, nice, system, , , irq, softirq, steal] = ticks;
    return (user + nice + system + irq + softirq + steal) / 100;
  } catch {
    return NaN;
  }
}

/** Resident memory of a process from /proc/<pid>/status, in MiB: current (VmRSS) and peak (VmHWM). */
export function memoryMiB(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
  } catch {
    return { rss: NaN, peak: NaN };
  }
}

/**
 * Wait until a server has finished the work a previous run left queued: its CPU time grows by less
 * than 5% of a core over 200 ms (or `timeoutMs` passes). Keeps one contender's backlog from running
 * on the shared core while the next one is measured.
 */
export async function waitIdle(pid, timeoutMs = 15_000) {
  const deadline = performance.now() + timeoutMs;
  let before = cpuSeconds(pid);
  while (performance.now() < deadline) {
    await sleep(200);
    const now = cpuSeconds(pid);
    if (!(now - before > 0.01)) return;
    before = now;
  }
}

/** The p-th percentile (nearest rank) of an ascending array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)];
}

export function machine() {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

// ---------------------------------------------------------------- contenders

/** Every HTTP contender answers POST `${url}${inferPath(model)}`. */
export const inferPath = (model) => `/v2/models/${model.name}/infer`;

/** POST one model's request body; resolves to the status and the response text. */
export async function inferOnce(url, model) {
  const response = await fetch(url + inferPath(model), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: model.body,
  });
  return { status: response.status, text: await response.text() };
}

async function warmUp(server, models, requests = 20) {
  for (const model of models) {
    for (let i = 0; i < requests; i++) {
      const { status, text } = await inferOnce(server.url, model);
      if (status !== 200)
        throw new Error(`${server.name}: warm-up of ${model.name} failed: ${status} ${text}`);
    }
  }
  return server;
}

/**
 * A reference dataset of a model as NDJSON, `rows` rows of its input columns named as Ferry names
 * the columns of an unnamed 2-D input (`<input>[j]`). Each value is the bench request's value
 * moved by up to ±50% of its size (at least ±0.05), so the reference spans the request and the
 * bench's requests pass validation, as a user's in-distribution traffic would.
 */
export function referenceDataset(model, rows = 500) {
  const [input] = JSON.parse(model.body).inputs;
  let seed = 11;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  const lines = [];
  for (let row = 0; row < rows; row++) {
    const record = {};
    input.data.forEach((value, j) => {
      record[`${input.name}[${j}]`] = value + (random() * 2 - 1) * Math.max(0.05, 0.5 * Math.abs(value));
    });
    lines.push(JSON.stringify(record));
  }
  return `${lines.join('\n')}\n`;
}

/** Attach {@link referenceDataset} to a version over HTTP, as a user does before serving it. */
async function attachReference(url, model, version) {
  const response = await fetch(`${url}/api/v1/models/${model.name}/versions/${version}/reference`, {
    method: 'PUT',
    headers: { 'content-type': 'application/x-ndjson' },
    body: referenceDataset(model),
  });
  const text = await response.text();
  if (response.status !== 200 && response.status !== 201) {
    throw new Error(`reference of ${model.name} refused: ${response.status} ${text}`);
  }
}

/**
 * `ferry serve` on a fresh data folder with `env` (FERRY_* settings) on top of the defaults; the
 * models are pushed over HTTP, loaded through their version's readiness route and warmed up. With
 * `reference`, each version first gets a reference profile ({@link referenceDataset}), so input
 * validation and live profiles laid out like the reference run as they do for a user. `nodeArgs`
 * go to node before the CLI (`--cpu-prof`, say, to profile the server).
 */
export async function startFerry(
  models,
  env = {},
  { name = 'Ferry', reference = false, nodeArgs = [] } = {},
) {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'ferry-bench-data-'));
  const port = await freePort();
  const args = [
    ...nodeArgs,
    CLI,
    'serve',
    '--port',
    String(port),
    '--data-dir',
    dataDir,
    '--log-level',
    'warn',
  ];
  // The data folder as working directory: no ferry.yaml from where the bench was started applies.
  const { child, output } = spawnPinned(args, env, dataDir);
  const server = { name, child, output, pid: child.pid, url: `http://127.0.0.1:${port}` };
  server.stop = async () => {
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  };
  const exited = new Promise((_resolve, reject) =>
    child.once('exit', (code) => reject(new Error(`ferry serve exited (${code}):\n${output()}`))),
  );
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForStatus(`${server.url}/v2/health/live`), exited]);
    for (const model of models) {
      const pushed = await fetch(`${server.url}/api/v1/models/${model.name}/versions`, {
        method: 'POST',
        headers: { 'content-type': 'application/octet-stream' },
        body: model.bytes,
      });
      const result = await pushed.json();
      if (pushed.status !== 201) throw new Error(`push of ${model.name} failed: ${JSON.stringify(result)}`);
      const ready = `${server.url}/v2/models/${model.name}/versions/${result.version.version}/ready`;
      await Promise.race([waitForStatus(ready), exited]);
      if (reference) await Promise.race([attachReference(server.url, model, result.version.version), exited]);
    }
    return await warmUp(server, models);
  } catch (error) {
    await server.stop();
    throw error;
  }
}

/** The naive baseline serving every model, warmed up like Ferry. */
export async function startNaive(models) {
  const args = [NAIVE, '0', ...models.map((model) => `${model.name}=${model.file}`)];
  const started = await startServer(args, /"url":"(http:[^"]+)"/);
  return warmUp({ name: 'naive', ...started, stop: () => stopServer(started) }, models);
}

/** The floor baseline answering each model with `responses[model.name]` (Ferry's real response bytes). */
export async function startFloor(models, responses) {
  const dir = mkdtempSync(join(os.tmpdir(), 'ferry-bench-floor-'));
  const file = join(dir, 'responses.json');
  writeFileSync(file, JSON.stringify(responses));
  const started = await startServer([FLOOR, '0', file], /"url":"(http:[^"]+)"/);
  const stop = async () => {
    await stopServer(started);
    rmSync(dir, { recursive: true, force: true });
  };
  return warmUp({ name: 'floor', ...started, stop }, models);
}

/** The raw session options: Ferry's defaults (runtime.intraOpThreads 1, interOpThreads 1, "all"). */
export const RAW_SESSION_OPTIONS = {
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
};
const RAW_BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512];

/**
 * The compute ceiling: rows/s of session.run in this process, no HTTP, at batch 1, 2, 4, … 512,
 * `msPerBatchSize` each after 3 warm-up runs. This process moves to the servers' core meanwhile
 * (no server runs yet) and back to the client core after.
 */
export async function rawCompute(model, { msPerBatchSize }) {
  const ort = await import('onnxruntime-node');
  if (canPin) pinThisProcess(SERVER_CORE);
  try {
    const session = await ort.InferenceSession.create(readFileSync(model.file), RAW_SESSION_OPTIONS);
    const results = [];
    for (const batch of RAW_BATCH_SIZES) {
      const data = Float32Array.from({ length: batch * model.input.features }, (_, i) => Math.sin(i) * 0.5);
      const feeds = { [model.input.name]: new ort.Tensor('float32', data, [batch, model.input.features]) };
      for (let i = 0; i < 3; i++) await session.run(feeds);
      let runs = 0;
      let elapsed = 0;
      const started = performance.now();
      while (elapsed < msPerBatchSize || runs < 3) {
        await session.run(feeds);
        runs += 1;
        elapsed = performance.now() - started;
      }
      results.push({ batch, rowsPerSecond: (runs * batch * 1000) / elapsed, msPerRun: elapsed / runs });
    }
    await session.release();
    const best = results.reduce((a, b) => (b.rowsPerSecond > a.rowsPerSecond ? b : a));
    return { results, best, batch1: results[0] };
  } finally {
    if (canPin) pinThisProcess(CLIENT_CORE);
  }
}

/**
 * `runs` cold starts of `ferry demo` on an empty data folder: spawn → /v2/health/ready = 200 (node
 * start-up, migrations, training, push, load, warm-up), and Ferry's own "ready in" figure.
 */
export async function coldStarts(runs) {
  const coldStartMs = [];
  const reportedReadyMs = [];
  for (let i = 0; i < runs; i++) {
    const dataDir = mkdtempSync(join(os.tmpdir(), 'ferry-bench-demo-'));
    const args = [CLI, 'demo', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'];
    const server = await startServer(args, /(http:\/\/127\.0\.0\.1:\d+)/);
    await waitForStatus(`${server.url}/v2/health/ready`, { intervalMs: 2 });
    coldStartMs.push(Math.round(performance.now() - server.startedAt));
    reportedReadyMs.push(Number(/ready in (\d+) ms/.exec(server.output())?.[1]));
    await stopServer(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { coldStartMs, reportedReadyMs };
}
