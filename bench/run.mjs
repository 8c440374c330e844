// `npm run bench`: every benchmark, contenders side by side in one run; prints a Markdown
// report (paste into bench/RESULTS.md with the date, machine and command).
import { demoLatency } from './demo-latency.mjs';
import { machine, pinSelf } from './lib.mjs';

const fmt = (value, digits = 3) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

const pinning = pinSelf();
const quick = process.argv.includes('--quick');
const started = new Date().toISOString();
const demo = await demoLatency({ durationMs: quick ? 3000 : 10_000 });
const lines = [
  `## Demo model, concurrency 1 (${started})`,
  '',
  `Machine: ${machine()}. Pinning: ${pinning}. Command: \`npm run bench${quick ? ' -- --quick' : ''}\`.`,
  '',
  `Cold start of \`ferry demo\` on an empty data folder, spawn → \`/v2/health/ready\` = 200 (node start-up, migrations, training, push, load, warm-up), 3 runs: ${demo.coldStartMs.join(', ')} ms (Ferry's own "ready in" log: ${demo.reportedReadyMs.join(', ')} ms).`,
  '',
  '| contender | req/s | p50 ms | p90 ms | p99 ms | errors |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...[
    ['Ferry', demo.ferry],
    ['naive (Fastify + session.run)', demo.naive],
  ].map(
    ([name, r]) =>
      `| ${name} | ${fmt(r.requestsPerSecond, 0)} | ${fmt(r.p50)} | ${fmt(r.p90)} | ${fmt(r.p99)} | ${r.errors} |`,
  ),
  '',
  `Ratios: Ferry/naive req/s = ${fmt(demo.ferry.requestsPerSecond / demo.naive.requestsPerSecond, 2)}; p50 difference = ${fmt(demo.ferry.p50 - demo.naive.p50)} ms.`,
  '',
];
process.stdout.write(`${lines.join('\n')}\n`);
