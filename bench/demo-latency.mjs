// Issue 2's measurements: demo cold start to ready, and one demo inference over HTTP at
// concurrency 1 — Ferry beside the naive baseline (Fastify + session.run, no validation).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildDemoModel } from '../dist/demo/index.js';
import { closedLoop } from './closed-loop.mjs';
import { CLI, startServer, stopServer } from './lib.mjs';

const NAIVE = new URL('./baselines/naive-server.mjs', import.meta.url).pathname;

/** Spawn `ferry demo` on a fresh data folder; time from spawn to /v2/health/ready = 200. */
async function coldStart() {
  const dataDir = mkdtempSync(join(tmpdir(), 'ferry-bench-'));
  const server = await startServer(
    [CLI, 'demo', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'],
    /(http:\/\/127\.0\.0\.1:\d+)/,
  );
  for (;;) {
    const response = await fetch(`${server.url}/v2/health/ready`).catch(() => undefined);
    if (response?.status === 200) break;
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
  const readyMs = performance.now() - server.startedAt;
  const reported = /ready in (\d+) ms/.exec(server.output())?.[1];
  return { server, dataDir, readyMs, reportedMs: Number(reported) };
}

export async function demoLatency({ durationMs = 10_000 } = {}) {
  const demo = buildDemoModel();
  const body = JSON.stringify(demo.sampleRequest);
  const starts = [];
  for (let i = 0; i < 3; i++) {
    const run = await coldStart();
    starts.push(run);
    if (i < 2) {
      await stopServer(run.server);
      rmSync(run.dataDir, { recursive: true, force: true });
    }
  }
  const ferry = starts[2];
  const modelFile = join(ferry.dataDir, 'demo.onnx');
  writeFileSync(modelFile, demo.bytes);
  const naive = await startServer([NAIVE, modelFile, '0'], /"url":"(http:[^"]+)"/);
  const path = `/v2/models/${demo.name}/infer`;
  const results = {};
  // Alternate contenders so drift on the machine affects both alike.
  for (const round of [1, 2]) {
    results[`ferry${round}`] = await closedLoop({
      url: ferry.server.url + path,
      body,
      connections: 1,
      durationMs,
    });
    results[`naive${round}`] = await closedLoop({ url: naive.url + path, body, connections: 1, durationMs });
  }
  await stopServer(naive);
  await stopServer(ferry.server);
  rmSync(ferry.dataDir, { recursive: true, force: true });
  const best = (name) => [results[`${name}1`], results[`${name}2`]].sort((a, b) => a.p50 - b.p50)[0];
  return {
    coldStartMs: starts.map((run) => Math.round(run.readyMs)),
    reportedReadyMs: starts.map((run) => run.reportedMs),
    ferry: best('ferry'),
    naive: best('naive'),
  };
}
