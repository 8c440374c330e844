// `npm run bench`: every contender measured side by side in one run on this machine — compute
// ceiling, closed loop at c = 1/16/64/256, monitoring overhead, open-loop overload, demo cold
// start — printed as Markdown and written to bench/RESULTS.md.
//   --quick           short smoke run (~1–2 min): short runs, one repeat, 5 s overload
//   --no-write        print only; leave bench/RESULTS.md alone
//   --only=monitoring only the monitoring overhead rows (Ferry with and without monitoring, ~3 min;
//                     ~1 min with --quick), printed, never written
//   --deadline-ms=N   Ferry's serving.defaultTimeoutMs in the overload scenario (default 100)
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import YAML from 'yaml';
import { buildDemoModel, buildRandomMlp, mlpParameterCount } from '../dist/demo/index.js';
import { closedLoopMatrix, monitoringOverhead } from './closed-loop.mjs';
import {
  CLI,
  coldStarts,
  inferOnce,
  machine,
  pinSelf,
  spawnPinned,
  rawCompute,
  startFerry,
  startFloor,
  startNaive,
} from './lib.mjs';
import { overload } from './open-loop.mjs';
import { checkMonitoring, checkTargets, monitoringSection, renderReport } from './report.mjs';

process.once('SIGINT', () => process.exit(130));
process.once('SIGTERM', () => process.exit(143));

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    'no-write': { type: 'boolean', default: false },
    'deadline-ms': { type: 'string', default: '100' },
    only: { type: 'string' },
  },
});
if (flags.only !== undefined && flags.only !== 'monitoring') {
  throw new Error(`--only takes 'monitoring', got '${flags.only}'`);
}
const quick = flags.quick;
const deadlineMs = Number(flags['deadline-ms']);
if (!(deadlineMs > 0)) throw new Error(`--deadline-ms must be a positive number of milliseconds`);
const settings = {
  quick,
  deadlineMs,
  durationMs: quick ? 2000 : 5000,
  warmupMs: quick ? 500 : 1000,
  repeats: quick ? 1 : 2,
  // The monitoring overhead rows: server processes per side (with / without monitoring), because
  // one process's speed differs from another's of the same code by several percent for its whole
  // life (up to ~20% for the demo model seen here); and interleaved rounds, short and close
  // together, because this machine's speed drifts over seconds. Two rounds: each pair runs once in
  // each order.
  monitoringProcesses: quick ? 1 : 6,
  monitoringRepeats: 2,
  // Warm-up of each monitoring server per model at c = 64: with 1 s, the 512-feature model's first
  // runs on a server still paid for compiling its flush (V8's helper threads at 87 µs a request
  // with monitoring against 21 without at c = 16; 0.80 of the req/s).
  monitoringWarmupMs: quick ? 1000 : 5000,
  monitoringDurationMs: quick ? 1000 : 2000,
  rawMs: quick ? 250 : 1000,
  overloadFactor: 3,
  overloadMs: quick ? 5000 : 20_000,
  drainMs: quick ? 5000 : 10_000,
  naiveOverload: !quick,
  coldStarts: quick ? 1 : 3,
};
const log = (message) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);

const HEAVY_SHAPE = { inputSize: 512, hiddenSizes: [2048, 2048], outputSize: 10 };

/**
 * The two models as .onnx files in a temporary folder, each with the one-row request body every
 * contender receives. `tiny`: the demo penguin classifier; `heavy`: a random 512→2048→2048→10 MLP.
 */
function buildBenchModels() {
  const dir = mkdtempSync(join(tmpdir(), 'ferry-bench-models-'));
  const demo = buildDemoModel();
  let seed = 7;
  const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
  // Float32 values as a client serialising float32 features sends them (full precision).
  const heavyRow = Array.from({ length: HEAVY_SHAPE.inputSize }, () => Math.fround(random() * 2 - 1));
  const models = [
    {
      name: 'tiny',
      description:
        'the demo model (penguin species: 4 features → 3 probabilities, a class index, a species string)',
      bytes: demo.bytes,
      input: { name: demo.sampleRequest.inputs[0].name, features: demo.sampleRequest.inputs[0].shape[1] },
      body: JSON.stringify(demo.sampleRequest),
    },
    {
      name: 'heavy',
      description: `random MLP 512→2048→2048→10 (${mlpParameterCount(HEAVY_SHAPE).toLocaleString('en')} parameters, \`buildRandomMlp\` seed 1)`,
      bytes: buildRandomMlp({ ...HEAVY_SHAPE, seed: 1 }),
      input: { name: 'input', features: HEAVY_SHAPE.inputSize },
      body: JSON.stringify({
        inputs: [{ name: 'input', shape: [1, HEAVY_SHAPE.inputSize], datatype: 'FP32', data: heavyRow }],
      }),
    },
  ];
  for (const model of models) {
    model.file = join(dir, `${model.name}.onnx`);
    writeFileSync(model.file, model.bytes);
  }
  return { dir, models };
}

/**
 * Ferry's environment in the serving tables and the overload run: monitoring off, because the
 * baselines log nothing; the monitoring section measures what monitoring costs on top.
 */
const SERVING_ENV = { FERRY_MONITORING_ENABLED: 'false' };

/** Ferry's runtime and serving settings in effect, from `ferry config print` with the serving environment. */
function ferryConfig(cwd) {
  const env = {
    ...Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('FERRY_'))),
    ...SERVING_ENV,
  };
  const printed = spawnSync(process.execPath, [CLI, 'config', 'print'], { cwd, env, encoding: 'utf8' });
  if (printed.status !== 0) return `(ferry config print failed: ${printed.stderr.trim()})`;
  const config = YAML.parse(printed.stdout);
  const flat = (section) =>
    Object.entries(config[section] ?? {})
      .map(([key, value]) => `${section}.${key}=${JSON.stringify(value)}`)
      .join(', ');
  // What `runtime.workers: 0` ("one per CPU core") becomes for a process pinned to one core.
  const pinned = spawnPinned(['-p', 'require("node:os").availableParallelism()']);
  return new Promise((resolve) => {
    pinned.child.once('exit', () =>
      resolve(
        `${flat('runtime')}, ${flat('serving')}, monitoring.enabled=${JSON.stringify(config.monitoring?.enabled)}. Pinned to core 0, a process sees ` +
          `os.availableParallelism() = ${pinned.output().trim()}, which is what runtime.workers = 0 resolves to`,
      ),
    );
  });
}

/**
 * The monitoring overhead rows: `monitoringProcesses` Ferry servers with monitoring and every
 * version given a reference profile, as many with `monitoring.enabled=false` (also given
 * references), measured in turn.
 */
async function measureMonitoring(models, servers) {
  const count = settings.monitoringProcesses;
  log(
    `starting ${count} Ferry server(s) with and ${count} without monitoring, each version with a reference profile`,
  );
  const on = [];
  const off = [];
  for (let i = 1; i <= count; i++) {
    const withIt = await startFerry(models, {}, { name: `Ferry, monitoring on #${i}`, reference: true });
    servers.push(withIt);
    on.push(withIt);
    const without = await startFerry(
      models,
      { FERRY_MONITORING_ENABLED: 'false' },
      { name: `Ferry, monitoring off #${i}`, reference: true },
    );
    servers.push(without);
    off.push(without);
  }
  const results = await monitoringOverhead({
    models,
    on,
    off,
    durationMs: settings.monitoringDurationMs,
    warmupMs: settings.monitoringWarmupMs,
    repeats: settings.monitoringRepeats,
    log,
  });
  for (const server of [...on, ...off]) await server.stop();
  servers.length = 0;
  return results;
}

if (flags.only === 'monitoring') {
  const pinning = pinSelf();
  const { dir, models } = buildBenchModels();
  const servers = [];
  try {
    const monitoring = await measureMonitoring(models, servers);
    const checks = checkMonitoring(monitoring);
    process.stdout.write(
      [
        '# Ferry benchmark: monitoring overhead only',
        '',
        `Command: \`node bench/run.mjs ${process.argv.slice(2).join(' ')}\`. Date: ${new Date().toISOString()}. Machine: ${machine()}. Pinning: ${pinning}.`,
        '',
        '| target | measured | goal | verdict |',
        '| --- | --- | --- | --- |',
        ...checks.map((c) => `| ${c.name} | ${c.measured} | ${c.target} | **${c.pass ? 'PASS' : 'MISS'}** |`),
        '',
        ...monitoringSection(monitoring, settings),
      ].join('\n'),
    );
  } finally {
    while (servers.length > 0) await servers.pop().stop();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

const startedAt = performance.now();
const loadAverageAtStart = os.loadavg()[0];
const pinning = pinSelf();
const { dir, models } = buildBenchModels();
const heavy = models[1];
const servers = [];
let report;
try {
  const raw = {};
  for (const model of models) {
    log(`raw session.run, ${model.name}`);
    raw[model.name] = await rawCompute(model, { msPerBatchSize: settings.rawMs });
  }
  log('starting Ferry, naive and floor');
  const ferry = await startFerry(models, SERVING_ENV);
  servers.push(ferry);
  const responses = {};
  for (const model of models) {
    const { status, text } = await inferOnce(ferry.url, model);
    if (status !== 200) throw new Error(`Ferry answered ${model.name}'s request with ${status}: ${text}`);
    responses[model.name] = text; // the floor server answers with these exact bytes
  }
  servers.push(await startNaive(models));
  servers.push(await startFloor(models, responses));
  const closed = await closedLoopMatrix({ models, contenders: servers, ...settings, log });
  while (servers.length > 0) await servers.pop().stop();
  const monitoring = await measureMonitoring(models, servers);

  const capacity = closed.heavy[64].Ferry.requestsPerSecond;
  const rate = settings.overloadFactor * capacity;
  const scenario = { model: heavy, rate, durationMs: settings.overloadMs, drainMs: settings.drainMs };
  const runs = {};
  log(`overload: Ferry at ${rate.toFixed(0)} req/s for ${settings.overloadMs / 1000} s`);
  runs.Ferry = await overload({
    ...scenario,
    start: () =>
      startFerry([heavy], { ...SERVING_ENV, FERRY_SERVING_DEFAULT_TIMEOUT_MS: String(deadlineMs) }),
    liveUrl: '/v2/health/live',
  });
  if (settings.naiveOverload) {
    log(`overload: naive at ${rate.toFixed(0)} req/s for ${settings.overloadMs / 1000} s`);
    runs.naive = await overload({ ...scenario, start: () => startNaive([heavy]), liveUrl: '/' });
  }

  log('cold start of ferry demo');
  const coldStart = await coldStarts(settings.coldStarts);

  const results = {
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    date: new Date().toISOString(),
    machine: machine(),
    pinning,
    loadAverage: { start: loadAverageAtStart, end: os.loadavg()[0] },
    ferryConfig: await ferryConfig(dir),
    autocannonVersion: JSON.parse(
      readFileSync(new URL('../node_modules/autocannon/package.json', import.meta.url), 'utf8'),
    ).version,
    settings,
    models,
    responseBytes: Object.fromEntries(
      Object.entries(responses).map(([name, text]) => [name, Buffer.byteLength(text)]),
    ),
    raw,
    closed,
    monitoring,
    overload: { capacity, runs },
    coldStart,
  };
  results.checks = [
    ...checkTargets({ closed, raw, overload: { capacity, Ferry: runs.Ferry }, deadlineMs }),
    ...checkMonitoring(monitoring),
  ];
  results.wallSeconds = (performance.now() - startedAt) / 1000;
  report = `${renderReport(results).join('\n')}`;
} finally {
  while (servers.length > 0) await servers.pop().stop();
  rmSync(dir, { recursive: true, force: true });
}
process.stdout.write(report);
if (!flags['no-write']) {
  writeFileSync(new URL('./RESULTS.md', import.meta.url), report);
  log('wrote bench/RESULTS.md');
}
