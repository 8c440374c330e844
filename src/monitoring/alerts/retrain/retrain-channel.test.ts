import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CallbackDelivery, CallbackSender, DeliveryOutcome } from '../../../jobs/index.js';
import type { AlertDelivery, AlertNotice } from '../alert-records.js';
import { verifySignature } from '../alert-signature.js';
import { RetrainChannel, type RetrainTarget } from './retrain-channel.js';
import type { RetrainManifest } from './retrain-manifest.js';
import type { TrainingSetExporter } from './training-set-exporter.js';

const window = (hour: number) => ({
  start: new Date(Date.UTC(2026, 0, 1, hour)).toISOString(),
  end: new Date(Date.UTC(2026, 0, 1, hour + 1)).toISOString(),
});

const notice: AlertNotice = {
  type: 'alert.firing',
  alert: {
    rule: 'fraud-drift',
    model: 'fraud',
    version: 3,
    state: 'firing',
    severity: 'critical',
    metric: 'drift.share',
    op: 'above',
    value: 0.75,
    threshold: 0.5,
    forWindows: 2,
    window: window(1),
  },
  readings: [
    { window: window(0), value: 0.6, rows: 120, version: 3, details: { drifted: ['age', 'amount'] } },
    { window: window(1), value: 0.75, rows: 130, version: 3 },
  ],
  at: new Date(Date.UTC(2026, 0, 1, 2, 0, 5)).toISOString(),
};

const delivery = (attempts = 1): AlertDelivery => ({
  id: 'c0ffee00-0000-4000-8000-000000000002',
  eventId: 7,
  channel: 'retrain',
  notice,
  state: { kind: 'sending', attempts, leaseExpiresAt: new Date(), lastError: undefined },
  outcome: undefined,
  createdAt: new Date(),
  updatedAt: new Date(),
});

/** Writes `rows` NDJSON rows, or fails the first `failures` calls. */
class TestExporter implements TrainingSetExporter {
  calls = 0;
  constructor(private failures = 0) {}
  async export(model: string, _window: unknown, maxRows: number, path: string) {
    this.calls += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('the prediction log is busy');
    }
    const rows = Array.from({ length: Math.min(3, maxRows) }, (_, i) => ({
      model,
      id: `r${i}`,
      label: i % 2,
    }));
    await writeFile(path, rows.map((row) => JSON.stringify(row)).join('\n') + '\n');
    return { path, rows: rows.length };
  }
}

class RecordingSender implements CallbackSender {
  readonly sent: CallbackDelivery[] = [];
  send(delivery: CallbackDelivery): Promise<DeliveryOutcome> {
    this.sent.push(delivery);
    return Promise.resolve({ ok: true, status: 202 });
  }
}

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'ferry-retrain-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const now = new Date(Date.UTC(2026, 0, 1, 2, 0, 6));
const channel = (
  target: RetrainTarget,
  exporter: TrainingSetExporter | undefined,
  sender = new RecordingSender(),
) =>
  new RetrainChannel(
    {
      target,
      attempts: 3,
      backoffMs: 10,
      timeoutMs: 10_000,
      exportsDir: join(dir, 'exports'),
      exportRows: 2,
      exportWindowMs: 86_400_000,
    },
    { sender, exporter, clock: () => now },
  );
const signal = () => new AbortController().signal;

describe('RetrainChannel', () => {
  it('POSTs a signed manifest naming the model, the reason, the readings that fired and the export', async () => {
    const sender = new RecordingSender();
    const retrain = channel(
      { kind: 'url', url: 'https://ml.example.com/retrain', secret: 'k' },
      new TestExporter(),
      sender,
    );
    expect(await retrain.deliver(delivery(), signal())).toEqual({ ok: true, outcome: 'HTTP 202' });
    const [sent] = sender.sent;
    const manifest = JSON.parse(sent!.body) as RetrainManifest;
    const folder = join(dir, 'exports', delivery().id);
    expect(manifest).toEqual({
      id: delivery().id,
      model: 'fraud',
      version: 3,
      reason: "rule 'fraud-drift': drift.share 0.75 above 0.5 for 2 consecutive windows",
      rule: 'fraud-drift',
      severity: 'critical',
      metrics: [
        {
          metric: 'drift.share',
          op: 'above',
          threshold: 0.5,
          value: 0.6,
          rows: 120,
          version: 3,
          window: window(0),
          details: { drifted: ['age', 'amount'] },
        },
        {
          metric: 'drift.share',
          op: 'above',
          threshold: 0.5,
          value: 0.75,
          rows: 130,
          version: 3,
          window: window(1),
        },
      ],
      window: { start: window(0).start, end: window(1).end },
      export: {
        format: 'ndjson',
        path: join(folder, 'predictions.ndjson'),
        rows: 2,
        from: new Date(now.getTime() - 86_400_000).toISOString(),
        to: now.toISOString(),
      },
      createdAt: now.toISOString(),
      ferry: { version: expect.any(String) },
    });
    expect(sent?.headers?.['x-ferry-event']).toBe('retrain.requested');
    expect(sent?.headers?.['x-ferry-delivery']).toBe(delivery().id);
    expect(verifySignature('k', sent!.body, sent!.headers!['x-ferry-signature']!)).toBe(true);
    expect(await readFile(join(folder, 'manifest.json'), 'utf8')).toBe(sent?.body);
    const lines = (await readFile(manifest.export!.path, 'utf8')).trim().split('\n');
    expect(lines.map((line) => JSON.parse(line))).toEqual([
      { model: 'fraud', id: 'r0', label: 0 },
      { model: 'fraud', id: 'r1', label: 1 },
    ]);
  });

  it('runs the command with the manifest path as its last argument, and records its exit code', async () => {
    const seen = join(dir, 'seen.txt');
    const script = `require('fs').writeFileSync(${JSON.stringify(seen)}, process.argv[1] + '|' + process.env.FERRY_RETRAIN_MANIFEST)`;
    const retrain = channel(
      { kind: 'command', command: [process.execPath, '-e', script] },
      new TestExporter(),
    );
    expect(await retrain.deliver(delivery(), signal())).toEqual({ ok: true, outcome: 'exit code 0' });
    const [argument, fromEnv] = (await readFile(seen, 'utf8')).split('|');
    expect(argument).toBe(join(dir, 'exports', delivery().id, 'manifest.json'));
    expect(fromEnv).toBe(argument);
    const manifest = JSON.parse(await readFile(argument!, 'utf8')) as RetrainManifest;
    expect(manifest.export?.rows).toBe(2);

    const failing = channel(
      { kind: 'command', command: [process.execPath, '-e', 'console.error("no GPU"); process.exit(2)'] },
      new TestExporter(),
    );
    expect(await failing.deliver(delivery(), signal())).toEqual({
      ok: false,
      error: 'the retrain command exited with code 2: no GPU',
      retryable: true,
    });
    const missing = channel({ kind: 'command', command: ['/no/such/retrain'] }, new TestExporter());
    expect(await missing.deliver(delivery(), signal())).toMatchObject({ ok: false, retryable: false });
  });

  it('exports once: a retry after a failed export exports, and a retry after that reuses the manifest', async () => {
    const exporter = new TestExporter(1);
    const sender = new RecordingSender();
    const retrain = channel(
      { kind: 'url', url: 'https://ml.example.com/retrain', secret: undefined },
      exporter,
      sender,
    );
    expect(await retrain.deliver(delivery(1), signal())).toEqual({
      ok: false,
      error: 'building the retraining manifest failed: the prediction log is busy',
      retryable: true,
    });
    expect(sender.sent).toHaveLength(0);
    await retrain.deliver(delivery(2), signal());
    await retrain.deliver(delivery(3), signal());
    expect(exporter.calls).toBe(2);
    expect(sender.sent[0]?.body).toBe(sender.sent[1]?.body);
    expect(sender.sent[0]?.headers).not.toHaveProperty('x-ferry-signature');
  });

  it('delivers a manifest without an export when the server has no exporter', async () => {
    const sender = new RecordingSender();
    await channel(
      { kind: 'url', url: 'https://ml.example.com/retrain', secret: undefined },
      undefined,
      sender,
    ).deliver(delivery(), signal());
    expect((JSON.parse(sender.sent[0]!.body) as RetrainManifest).export).toBeNull();
  });
});
