import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { createLogger } from '../../core/index.js';
import type { AlertChannel, ChannelOutcome } from './alert-channel.js';
import { AlertDispatcher } from './alert-dispatcher.js';
import type { AlertDelivery, AlertNotice } from './alert-records.js';
import { AlertStore } from './alert-store.js';

const logger = createLogger('silent');
const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 0, 1);

const notice: AlertNotice = {
  type: 'alert.firing',
  alert: {
    rule: 'errors',
    model: 'fraud',
    version: 1,
    state: 'firing',
    severity: 'critical',
    metric: 'errors.rate',
    op: 'above',
    value: 0.2,
    threshold: 0.05,
    forWindows: 1,
    window: { start: new Date(BASE).toISOString(), end: new Date(BASE + HOUR).toISOString() },
  },
  readings: [],
  at: new Date(BASE + HOUR).toISOString(),
};

/** A channel answering with `outcomes` in turn (then ok), recording what it was given. */
class ScriptedChannel implements AlertChannel {
  readonly delivered: { id: string; attempt: number }[] = [];

  constructor(
    readonly name: string,
    private readonly outcomes: (ChannelOutcome | 'hang')[] = [],
    readonly settings = { attempts: 3, backoffMs: 20, timeoutMs: 1000 },
  ) {}

  deliver(delivery: AlertDelivery, signal: AbortSignal): Promise<ChannelOutcome> {
    this.delivered.push({ id: delivery.id, attempt: delivery.state.attempts });
    const next = this.outcomes.shift() ?? { ok: true, outcome: 'HTTP 200' };
    if (next !== 'hang') return Promise.resolve(next);
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve({ ok: false, error: 'aborted', retryable: true })),
    );
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('AlertDispatcher', () => {
  forEachDialect((fixture) => {
    const enqueue = async (store: AlertStore, channels: string[]) => {
      await store.record({
        previousWindowEnd: undefined,
        status: {
          rule: 'errors',
          model: 'fraud',
          state: { kind: 'firing', since: new Date(BASE + HOUR), breaches: [] },
          version: 1,
          lastValue: 0.2,
          lastRows: 10,
          window: { start: new Date(BASE), end: new Date(BASE + HOUR) },
          updatedAt: new Date(),
        },
        events: [
          {
            rule: 'errors',
            model: 'fraud',
            version: 1,
            from: 'inactive',
            to: 'firing',
            metric: 'errors.rate',
            feature: undefined,
            op: 'above',
            severity: 'critical',
            value: 0.2,
            threshold: 0.05,
            window: { start: new Date(BASE), end: new Date(BASE + HOUR) },
            readings: [],
            // Due at once: deliveries are due when their event is recorded.
            at: new Date(Date.now() - 1000),
            deliveries: channels.map((channel) => ({ id: `to-${channel}`, channel, notice })),
          },
        ],
      });
    };
    const dispatcher = (store: AlertStore, channels: AlertChannel[]) =>
      new AlertDispatcher(
        { store, channels: new Map(channels.map((channel) => [channel.name, channel])), logger },
        { pollIntervalMs: 20, concurrency: 2 },
      );
    const stateOf = async (store: AlertStore, id: string) => (await store.getDelivery(id))?.state;

    it('delivers each due delivery through its channel and records the outcome', async () => {
      const store = new AlertStore(fixture.database);
      await enqueue(store, ['webhook:ops', 'retrain']);
      const ops = new ScriptedChannel('webhook:ops');
      const retrain = new ScriptedChannel('retrain', [{ ok: true, outcome: 'exit code 0' }]);
      const running = dispatcher(store, [ops, retrain]);
      running.start();
      await waitUntil(async () => (await stateOf(store, 'to-retrain'))?.kind === 'delivered');
      await waitUntil(async () => (await stateOf(store, 'to-webhook:ops'))?.kind === 'delivered');
      await running.stop(1000);
      expect(ops.delivered).toEqual([{ id: 'to-webhook:ops', attempt: 1 }]);
      expect((await store.getDelivery('to-retrain'))?.outcome).toBe('exit code 0');
      expect((await store.getDelivery('to-webhook:ops'))?.outcome).toBe('HTTP 200');
    });

    it('tries a retryable failure again after its backoff, and gives up after the attempts', async () => {
      const store = new AlertStore(fixture.database);
      await enqueue(store, ['webhook:flaky', 'webhook:down']);
      const failure = { ok: false as const, error: 'the receiver answered HTTP 503', retryable: true };
      const flaky = new ScriptedChannel('webhook:flaky', [failure]);
      const down = new ScriptedChannel('webhook:down', [failure, failure, failure]);
      const running = dispatcher(store, [flaky, down]);
      running.start();
      await waitUntil(async () => (await stateOf(store, 'to-webhook:flaky'))?.kind === 'delivered');
      await waitUntil(async () => (await stateOf(store, 'to-webhook:down'))?.kind === 'failed');
      await running.stop(1000);
      expect(flaky.delivered.map((delivery) => delivery.attempt)).toEqual([1, 2]);
      expect(down.delivered.map((delivery) => delivery.attempt)).toEqual([1, 2, 3]);
      expect(await stateOf(store, 'to-webhook:down')).toEqual({
        kind: 'failed',
        attempts: 3,
        error: 'the receiver answered HTTP 503',
      });
    });

    it('fails at once a delivery refused for good, or one whose channel is no longer configured', async () => {
      const store = new AlertStore(fixture.database);
      await enqueue(store, ['webhook:refusing', 'webhook:gone']);
      const refusing = new ScriptedChannel('webhook:refusing', [
        { ok: false, error: 'the receiver answered HTTP 401', retryable: false },
      ]);
      const running = dispatcher(store, [refusing]);
      running.start();
      await waitUntil(async () => (await stateOf(store, 'to-webhook:refusing'))?.kind === 'failed');
      await waitUntil(async () => (await stateOf(store, 'to-webhook:gone'))?.kind === 'failed');
      await running.stop(1000);
      expect(refusing.delivered).toHaveLength(1);
      expect(await stateOf(store, 'to-webhook:gone')).toMatchObject({
        attempts: 1,
        error: expect.stringContaining('no longer configured'),
      });
    });

    it('gives a delivery cut short by a stop back, and a new dispatcher (a restart) delivers it', async () => {
      const store = new AlertStore(fixture.database);
      await enqueue(store, ['webhook:slow']);
      const hanging = new ScriptedChannel('webhook:slow', ['hang']);
      const first = dispatcher(store, [hanging]);
      first.start();
      await waitUntil(() => Promise.resolve(hanging.delivered.length === 1));
      await first.stop(50);
      expect(await stateOf(store, 'to-webhook:slow')).toMatchObject({ kind: 'pending', attempts: 0 });

      const restarted = new ScriptedChannel('webhook:slow');
      const second = dispatcher(new AlertStore(await fixture.open()), [restarted]);
      second.start();
      await waitUntil(async () => (await stateOf(store, 'to-webhook:slow'))?.kind === 'delivered');
      await second.stop(1000);
      expect(restarted.delivered).toEqual([{ id: 'to-webhook:slow', attempt: 1 }]);
    });
  });
});
