// The Markdown report of one `npm run bench`: setup, the targets it is judged on (each checked
// against the measurements: PASS or MISS with the measured ratio), then every table. The
// benchmark never adapts to the targets; they only read its results.
import { CONCURRENCIES, MONITORING_CONCURRENCIES } from './closed-loop.mjs';
import { RAW_SESSION_OPTIONS } from './lib.mjs';
import { CONNECTIONS } from './open-loop.mjs';

/** Second-half peak RSS may exceed the first half's by this much and still count as bounded. */
export const RSS_GROWTH_ALLOWANCE = { factor: 1.1, slackMiB: 16 };
export const REJECTION_BUDGET_MS = 5;
/** Ferry with monitoring at sampling 1 keeps at least this share of its req/s without it. */
export const MONITORING_KEEP = 0.9;

const ratio = (value) => `${value.toFixed(2)}×`;
const survival = (o) => {
  if (o.exit !== undefined) return `**crashed** (exit ${o.exit})`;
  if (!o.survived) return 'process running, but no answer from the liveness route within 10 s';
  return `running; liveness answered ${o.live.status} after ${(o.live.afterMs / 1000).toFixed(1)} s`;
};
const check = (name, measured, target, pass) => ({ name, measured, target, pass: Boolean(pass) });

export function checkTargets({ closed, raw, overload, deadlineMs }) {
  const heavy64 = closed.heavy[64];
  const tiny64 = closed.tiny[64];
  const checks = [
    check(
      'heavy, c=64: Ferry req/s ÷ naive req/s',
      `${ratio(heavy64.Ferry.requestsPerSecond / heavy64.naive.requestsPerSecond)} (${heavy64.Ferry.requestsPerSecond.toFixed(0)} ÷ ${heavy64.naive.requestsPerSecond.toFixed(0)})`,
      '≥ 3×',
      heavy64.Ferry.requestsPerSecond >= 3 * heavy64.naive.requestsPerSecond,
    ),
    check(
      'heavy, c=64: Ferry rows/s ÷ raw best-batch rows/s',
      `${((100 * heavy64.Ferry.rowsPerSecond) / raw.heavy.best.rowsPerSecond).toFixed(0)}% (${heavy64.Ferry.rowsPerSecond.toFixed(0)} ÷ ${raw.heavy.best.rowsPerSecond.toFixed(0)} at batch ${raw.heavy.best.batch})`,
      '≥ 70%',
      heavy64.Ferry.rowsPerSecond >= 0.7 * raw.heavy.best.rowsPerSecond,
    ),
    check(
      'tiny, c=64: Ferry req/s ÷ floor req/s',
      `${((100 * tiny64.Ferry.requestsPerSecond) / tiny64.floor.requestsPerSecond).toFixed(0)}% (${tiny64.Ferry.requestsPerSecond.toFixed(0)} ÷ ${tiny64.floor.requestsPerSecond.toFixed(0)})`,
      '≥ 80%',
      tiny64.Ferry.requestsPerSecond >= 0.8 * tiny64.floor.requestsPerSecond,
    ),
  ];
  for (const model of ['tiny', 'heavy']) {
    const c1 = closed[model][1];
    const difference = c1.Ferry.p50 - c1.naive.p50;
    checks.push(
      check(
        `${model}, c=1: Ferry p50 − naive p50`,
        `${difference >= 0 ? '+' : ''}${difference.toFixed(3)} ms (${c1.Ferry.p50.toFixed(3)} vs ${c1.naive.p50.toFixed(3)})`,
        '≤ +0.3 ms',
        difference <= 0.3,
      ),
    );
  }
  const o = overload.Ferry;
  const excess = o.scheduled - o.ok.count;
  const growthLimit = o.rssFirstHalfMaxMiB * RSS_GROWTH_ALLOWANCE.factor + RSS_GROWTH_ALLOWANCE.slackMiB;
  checks.push(
    check(
      'overload: goodput ÷ capacity',
      `${((100 * o.goodput) / overload.capacity).toFixed(0)}% (${o.goodput.toFixed(0)} ÷ ${overload.capacity.toFixed(0)} req/s)`,
      '≥ 90%',
      o.goodput >= 0.9 * overload.capacity,
    ),
    check(
      'overload: p99 of admitted (200) requests',
      `${o.ok.p99.toFixed(1)} ms (${o.ok.count} admitted)`,
      `≤ ${deadlineMs} ms (the configured deadline)`,
      o.ok.count > 0 && o.ok.p99 <= deadlineMs,
    ),
    check(
      'overload: every excess request answered 503 within 5 ms',
      `${o.rejected.count} of ${excess} excess answered 503; 503 latency p99 ${o.rejected.p99.toFixed(2)} ms, max ${o.rejected.max.toFixed(2)} ms`,
      `all 503, max ≤ ${REJECTION_BUDGET_MS} ms`,
      o.rejected.count === excess && (excess === 0 || o.rejected.max <= REJECTION_BUDGET_MS),
    ),
    check(
      'overload: no crash',
      survival(o),
      'process running and /v2/health/live = 200 within 10 s after the load',
      o.survived,
    ),
    check(
      'overload: RSS bounded',
      `peak ${o.peakRssMiB.toFixed(0)} MiB; max in 1st half ${o.rssFirstHalfMaxMiB.toFixed(0)}, 2nd half ${o.rssSecondHalfMaxMiB.toFixed(0)} MiB (before ${o.rssBeforeMiB.toFixed(0)})`,
      `2nd-half max ≤ 1st-half max × ${RSS_GROWTH_ALLOWANCE.factor} + ${RSS_GROWTH_ALLOWANCE.slackMiB} MiB`,
      o.rssSecondHalfMaxMiB <= growthLimit,
    ),
  );
  return checks;
}

/** One check per model: Ferry's req/s with monitoring ÷ without it, at c = 64. */
export function checkMonitoring(monitoring) {
  return Object.entries(monitoring).map(([model, byConcurrency]) => {
    const r = byConcurrency[64];
    return check(
      `${model}, c=64: Ferry req/s with monitoring ÷ without`,
      `${r.ratio.toFixed(2)} (${r.on.requestsPerSecond.toFixed(0)} ÷ ${r.off.requestsPerSecond.toFixed(0)}${intervalText(r.interval)}; ${r.ratioWithTail.toFixed(2)} with the after-run CPU charged)`,
      `≥ ${MONITORING_KEEP.toFixed(2)}`,
      r.ratio >= MONITORING_KEEP,
    );
  });
}

const fmt = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');
const ms = (value) => fmt(value, value < 10 ? 3 : 1);
/** autocannon (c ≥ 16) records whole milliseconds: 0 means under 1 ms. */
const coarse = (c, value) => (c > 1 && value === 0 ? '< 1' : ms(value));
const pct = (part, whole) => `${fmt((100 * part) / whole, (100 * part) / whole < 10 ? 1 : 0)}%`;

function targetTable(checks) {
  return [
    '| target | measured | goal | verdict |',
    '| --- | --- | --- | --- |',
    ...checks.map((c) => `| ${c.name} | ${c.measured} | ${c.target} | **${c.pass ? 'PASS' : 'MISS'}** |`),
  ];
}

function rawTable(raw) {
  const batches = raw.results.map((r) => r.batch);
  return [
    `| batch | ${batches.join(' | ')} |`,
    `| --- | ${batches.map(() => '---:').join(' | ')} |`,
    `| rows/s | ${raw.results.map((r) => (r.batch === raw.best.batch ? `**${fmt(r.rowsPerSecond)}**` : fmt(r.rowsPerSecond))).join(' | ')} |`,
    `| ms per run | ${raw.results.map((r) => fmt(r.msPerRun, 3)).join(' | ')} |`,
  ];
}

function closedTable(byConcurrency, raw) {
  const lines = [
    '| c | contender | req/s | req/s range | rows/s | p50 ms | p99 ms | errors | server cores | client cores | other cores |',
    '| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const ratios = [];
  for (const c of CONCURRENCIES) {
    for (const [name, r] of Object.entries(byConcurrency[c])) {
      lines.push(
        `| ${c} | ${name} | ${fmt(r.requestsPerSecond)} | ${fmt(r.rpsMin)}–${fmt(r.rpsMax)} | ${fmt(r.rowsPerSecond)} | ${coarse(c, r.p50)} | ${coarse(c, r.p99)} | ${r.errors} | ${fmt(r.serverCores, 2)} | ${fmt(r.clientCores, 2)} | ${fmt(r.otherCores, 2)} |`,
      );
    }
    const { Ferry, naive, floor } = byConcurrency[c];
    ratios.push(
      `| ${c} | ${fmt(Ferry.requestsPerSecond / naive.requestsPerSecond, 2)}× | ${pct(Ferry.requestsPerSecond, floor.requestsPerSecond)} | ${pct(Ferry.rowsPerSecond, raw.best.rowsPerSecond)} | ${pct(Ferry.rowsPerSecond, raw.batch1.rowsPerSecond)} | ${fmt(Ferry.p50 - naive.p50, 3)} |`,
    );
  }
  return [
    ...lines,
    '',
    `| c | Ferry ÷ naive req/s | Ferry ÷ floor req/s | Ferry rows/s ÷ raw best (batch ${raw.best.batch}) | Ferry rows/s ÷ raw batch 1 | Ferry p50 − naive p50 (ms) |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    ...ratios,
  ];
}

function overloadTable(overload) {
  const entries = Object.entries(overload.runs);
  const row = (label, pick) => `| ${label} | ${entries.map(([, o]) => pick(o)).join(' | ')} |`;
  const dist = (d) => (d.count === 0 ? '—' : `${ms(d.p50)} / ${ms(d.p99)} / ${ms(d.max)}`);
  const other = (o) => {
    const parts = [
      ...Object.entries(o.otherStatuses).map(([code, n]) => `${n}× ${code}`),
      ...Object.entries(o.socketErrors).map(([code, n]) => `${n}× ${code}`),
    ];
    return parts.length === 0 ? '0' : parts.join(', ');
  };
  return [
    `| | ${entries.map(([name]) => name).join(' | ')} |`,
    `| --- | ${entries.map(() => '---:').join(' | ')} |`,
    row('arrival rate asked / reached (req/s)', (o) => `${fmt(o.targetRate)} / ${fmt(o.arrivalRate)}`),
    row('requests', (o) => o.scheduled),
    row('generator lag p99 / max (ms)', (o) => `${ms(o.sendLag.p99)} / ${ms(o.sendLag.max)}`),
    row(`waited for a free connection (all ${CONNECTIONS} busy): count, p99 / max wait (ms)`, (o) =>
      o.connectionWait.count === 0
        ? '0'
        : `${o.connectionWait.count}, ${ms(o.connectionWait.p99)} / ${ms(o.connectionWait.max)}`,
    ),
    row('never sent (still waiting for a connection at the end)', (o) => o.connectionWait.neverSent),
    row('goodput (200s/s inside the window)', (o) => fmt(o.goodput)),
    row('goodput ÷ capacity', (o) => pct(o.goodput, overload.capacity)),
    row('200: count', (o) => o.ok.count),
    row('200: latency p50 / p99 / max (ms)', (o) => dist(o.ok)),
    row('503: count', (o) => o.rejected.count),
    row('503: latency p50 / p99 / max (ms)', (o) => dist(o.rejected)),
    row('504: count', (o) => o.deadlineExceeded.count),
    row('504: latency p50 / p99 / max (ms)', (o) => dist(o.deadlineExceeded)),
    row('other statuses / socket errors', other),
    row('unanswered when the client gave up', (o) => o.unanswered),
    row(
      'RSS before / peak (VmHWM) / after (MiB)',
      (o) => `${fmt(o.rssBeforeMiB)} / ${fmt(o.peakRssMiB)} / ${fmt(o.rssAfterMiB)}`,
    ),
    row(
      'RSS max 1st half / 2nd half (MiB)',
      (o) => `${fmt(o.rssFirstHalfMaxMiB)} / ${fmt(o.rssSecondHalfMaxMiB)}`,
    ),
    row('server cores (CPU time ÷ wall time)', (o) => fmt(o.serverCores, 2)),
    row('afterwards', survival),
  ];
}

/** `, 95% CI a–b` for a ratio's confidence interval, empty without one. */
function intervalText(interval) {
  return interval === undefined ? '' : `, 95% CI ${fmt(interval.low, 2)}–${fmt(interval.high, 2)}`;
}

function monitoringTable(monitoring) {
  const lines = [
    '| model | c | with monitoring req/s | range | without req/s | range | ratio (95% CI) | ratio per server pair | ratio with after-run CPU | server cores with / without | dropped |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const [model, byConcurrency] of Object.entries(monitoring)) {
    for (const c of MONITORING_CONCURRENCIES) {
      const r = byConcurrency[c];
      if (r === undefined) continue;
      lines.push(
        `| ${model} | ${c} | ${fmt(r.on.requestsPerSecond)} | ${fmt(r.on.rpsMin)}–${fmt(r.on.rpsMax)} | ${fmt(r.off.requestsPerSecond)} | ${fmt(r.off.rpsMin)}–${fmt(r.off.rpsMax)} | **${fmt(r.ratio, 2)}**${r.interval === undefined ? '' : ` (${fmt(r.interval.low, 2)}–${fmt(r.interval.high, 2)})`} | ${(r.pairRatios ?? r.ratios).map((x) => fmt(x, 2)).join(', ')} | ${fmt(r.ratioWithTail, 2)} | ${fmt(r.on.serverCores, 2)} / ${fmt(r.off.serverCores, 2)} | ${r.dropped} |`,
      );
    }
  }
  return lines;
}

/** Where the server's CPU per request went, with and without monitoring, by thread. */
function monitoringCpuTable(monitoring) {
  const lines = [
    '| model | c | event loop user µs (with / without) | event loop system µs | other threads µs | total µs | total with ÷ without |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  const total = (cpu) => cpu.loopUser + cpu.loopSystem + cpu.otherThreads;
  const pair = (r, key) => `${fmt(r.on.cpuPerRequest[key], 1)} / ${fmt(r.off.cpuPerRequest[key], 1)}`;
  for (const [model, byConcurrency] of Object.entries(monitoring)) {
    for (const c of MONITORING_CONCURRENCIES) {
      const r = byConcurrency[c];
      if (r?.on.cpuPerRequest === undefined) continue;
      const on = total(r.on.cpuPerRequest);
      const off = total(r.off.cpuPerRequest);
      lines.push(
        `| ${model} | ${c} | ${pair(r, 'loopUser')} | ${pair(r, 'loopSystem')} | ${pair(r, 'otherThreads')} | ${fmt(on, 1)} / ${fmt(off, 1)} | ${fmt(on / off, 2)} |`,
      );
    }
  }
  return lines;
}

/** The monitoring overhead section: how it was measured, then the tables. */
export function monitoringSection(monitoring, settings) {
  return [
    '## Monitoring overhead',
    '',
    `${settings.monitoringProcesses} Ferry server process(es) **with** monitoring and as many **without**, all on core 0, both models pushed to each, each version given a reference profile (\`PUT …/reference\` with 500 NDJSON rows around the bench request, so validation and live profiles laid out like the reference run). With: the defaults (\`monitoring.enabled=true\`, \`sampleRate=1\`, \`validation=flag\` — every request logged to SQLite, flagged, profiled); without: \`FERRY_MONITORING_ENABLED=false\`. Several processes a side because two processes of the same code and settings differ in speed by several percent for their whole life (memory layout, the JIT's choices, the young generation's size V8 settles on; measured here: three identical servers 1.00, 1.04, 1.06 over eight interleaved rounds of the demo model, and up to 20% between fresh servers), so one process a side measures that luck along with monitoring. Each server is first loaded for ${settings.monitoringWarmupMs / 1000} s at c = 64 per model (the JIT settles on the flush's code, the heap sizes itself). Closed loop with autocannon, ${settings.monitoringRepeats} round(s); a round runs each pair (with #i, without #i) once, ${settings.monitoringDurationMs / 1000} s a run, the order within a pair alternating; every server idle before each run. Ratio = mean req/s with ÷ mean req/s without over all runs; "ratio per server pair" is that ratio for each pair over its rounds, and the 95% confidence interval comes from those (Student's t on their logarithms; from the per-round ratios with one pair), so it covers the processes' differences as well as this machine's drift. Work a server does after a run (the last flush of buffered predictions) is not inside its run: "with after-run CPU" charges that CPU time to the run. "dropped": predictions the log dropped during the runs (buffer full) — work monitoring did not do.`,
    '',
    ...monitoringTable(monitoring),
    '',
    "The server's CPU per answered request during the same runs (means over the rounds), by thread from `/proc/<pid>/task`: the event loop (Fastify, JSON, ONNX Runtime's run on one core, the prediction log's flush, SQLite) and every other thread together (V8's garbage-collection and compiler helpers, libuv's pool). At saturation of one core the req/s ratio is about the inverse of the total CPU ratio.",
    '',
    ...monitoringCpuTable(monitoring),
    '',
  ];
}

/** Whether the generator delivered the load asked for; a shortfall makes the overload rows weaker evidence. */
function overloadValidity(o, capacity, factor) {
  const reached = o.arrivalRate / capacity;
  const onTime = o.sendLag.p99 <= 10;
  const verdict =
    reached >= 0.95 * factor && onTime
      ? 'the generator delivered the load asked for, on schedule'
      : '**the generator did not deliver the load asked for on schedule** (it fell behind: arrivals came in bursts) — read the overload rows with that in mind';
  return `Load offered to Ferry: ${fmt(o.arrivalRate)} req/s = ${fmt(reached, 2)}× capacity (asked ${factor}×), generator lag p99 ${ms(o.sendLag.p99)} ms, ${o.openedConnections} connections opened beforehand: ${verdict}. Requests that waited for a free connection were held by the server's earlier unanswered requests, not by the generator.`;
}

/** How much other work ran on the machine during the closed-loop runs. */
function sharedMachineNote(r) {
  const others = Object.values(r.closed).flatMap((byC) =>
    Object.values(byC).flatMap((byContender) => Object.values(byContender).map((x) => x.otherCores)),
  );
  const mean = others.reduce((a, b) => a + b, 0) / others.length;
  const max = Math.max(...others);
  const load = `load average (1 min) ${r.loadAverage.start.toFixed(2)} at the start, ${r.loadAverage.end.toFixed(2)} at the end`;
  return max > 0.05
    ? `**Shared machine:** other processes used ${fmt(mean, 2)} cores on average during the closed-loop runs (up to ${fmt(max, 2)}); ${load}. Their work competed with the pinned processes, so these numbers are noisier and lower than on an idle machine.`
    : `The machine was otherwise idle during the closed-loop runs (other processes ≤ ${fmt(max, 2)} cores; ${load}).`;
}

/** The whole report as Markdown lines. */
export function renderReport(r) {
  const { settings } = r;
  const lines = [
    '# Ferry benchmark',
    '',
    `Command: \`${r.command}\`${settings.quick ? ' (quick smoke run: short runs, one repeat — not for judging)' : ''}. Date: ${r.date}. Wall time: ${fmt(r.wallSeconds)} s.`,
    '',
    `Machine: ${r.machine}.`,
    '',
    `Pinning: ${r.pinning}.`,
    '',
    `Ferry: \`node dist/cli/main.js serve --port <free port> --data-dir <tmp> --log-level warn\`, both models pushed over HTTP, loaded through \`/v2/models/{name}/versions/1/ready\` and warmed up with 20 requests each; requests go to \`/v2/models/{name}/infer\` (latest version). Configuration in effect (defaults except \`FERRY_MONITORING_ENABLED=false\`: the baselines log nothing, so the serving tables compare serving alone, and the monitoring section below measures what monitoring adds; no ferry.yaml): ${r.ferryConfig}.`,
    '',
    "Contenders: **Ferry**; **naive** — `bench/baselines/naive-server.mjs`, Fastify calling `session.run` per request (one session per model, same ONNX Runtime options as Ferry); **floor** — `bench/baselines/floor-server.mjs`, Fastify answering every POST with Ferry's real response bytes for that model without parsing the request (the HTTP ceiling); **raw** — `session.run` in-process on the servers' core, no HTTP (the compute ceiling).",
    '',
    `Load: closed loop at c = ${CONCURRENCIES.join(', ')}; c = 1 with \`bench/closed-loop.mjs\` (Node http client, µs resolution, ${settings.warmupMs} ms warm-up per run), c ≥ 16 with autocannon ${r.autocannonVersion} (latencies recorded in whole milliseconds, so p50/p99 at c ≥ 16 have 1 ms resolution). Each run lasts ${settings.durationMs / 1000} s; per model and concurrency, ${settings.repeats} round(s) of one run per contender with the order rotating each round; the tables give the mean over rounds (and the req/s range). Each contender is warmed up per model (${settings.warmupMs} ms at c = 16) first. "server cores" is the server process's CPU time over the run's wall time (all threads); "client cores" the same for the load generator — a client near 1.00 means the generator, not the server, may be the limit; "other cores" is what every other process on the machine used meanwhile (from /proc/stat) — above ~0.05 the run shared the machine. Every request is one row, so rows/s = req/s.`,
    '',
    sharedMachineNote(r),
    '',
    '## Targets',
    '',
    ...targetTable(r.checks),
    '',
    '## Models',
    '',
    ...r.models.map(
      (m) =>
        `- \`${m.name}\`: ${m.description}; request body ${m.body.length} bytes, Ferry's response ${r.responseBytes[m.name]} bytes.`,
    ),
    '',
    `## Compute ceiling (raw \`session.run\`, rows/s)`,
    '',
    `\`session.run\` in the bench process — moved to core 0, the servers' core, while no server runs — no HTTP, session options ${JSON.stringify(RAW_SESSION_OPTIONS)} (Ferry's defaults: runtime.intraOpThreads 1, interOpThreads 1), ${settings.rawMs} ms per batch size after 3 warm-up runs. Best batch in bold.`,
    '',
  ];
  for (const model of r.models) {
    lines.push(`### ${model.name}`, '', ...rawTable(r.raw[model.name]), '');
  }
  lines.push('## Closed loop', '');
  for (const model of r.models) {
    lines.push(`### ${model.name}`, '', ...closedTable(r.closed[model.name], r.raw[model.name]), '');
  }
  if (r.monitoring !== undefined) lines.push(...monitoringSection(r.monitoring, settings));
  lines.push(
    '## Overload (open loop, heavy model)',
    '',
    `Fresh server processes (heavy model only). Arrivals at ${settings.overloadFactor}× Ferry's capacity, capacity = Ferry's heavy c=64 req/s above (${fmt(r.overload.capacity)} req/s), evenly spaced, for ${settings.overloadMs / 1000} s, from \`bench/open-loop.mjs\` (${CONNECTIONS} keep-alive connections opened before the run; a request never waits for an earlier answer, only — if all ${CONNECTIONS} connections hold unanswered requests — for a free connection, which is reported), then up to ${settings.drainMs / 1000} s for late answers. Latency runs from a request's send to the end of its response; goodput counts 200s completed inside the arrival window. Peak RSS is VmHWM of the server process from /proc; RSS was also sampled every 100 ms.`,
    '',
    ...overloadTable(r.overload),
    '',
    `Deadline: Ferry ran with \`FERRY_SERVING_DEFAULT_TIMEOUT_MS=${settings.deadlineMs}\` (\`--deadline-ms\`), with monitoring off as in the serving tables, the only settings changed from the defaults; the naive server has no deadline and no queue limit.`,
    '',
    overloadValidity(r.overload.runs.Ferry, r.overload.capacity, settings.overloadFactor),
    '',
    '## Cold start (`ferry demo`)',
    '',
    `Spawn → \`/v2/health/ready\` = 200 on an empty data folder (node start-up, migrations, training, push, load, warm-up), ${r.coldStart.coldStartMs.length} run(s): ${r.coldStart.coldStartMs.join(', ')} ms (Ferry's own "ready in" log: ${r.coldStart.reportedReadyMs.join(', ')} ms).`,
    '',
  );
  return lines;
}
