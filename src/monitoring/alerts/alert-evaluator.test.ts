import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import { createLogger, FerryError } from '../../core/index.js';
import { AlertEvaluator } from './alert-evaluator.js';
import type { AlertRule } from './alert-rule.js';
import { AlertStore } from './alert-store.js';
import type {
  MetricName,
  MetricReading,
  MetricSelector,
  MetricSource,
  MetricWindow,
} from './metric-source.js';

const HOUR = 3_600_000;
const BASE = Date.UTC(2026, 0, 1);
/** A moment just after the end of window `index` (windows are whole hours from BASE). */
const after = (index: number) => new Date(BASE + (index + 1) * HOUR + 5_000);
const logger = createLogger('silent');

/** A metric source scripted per model and window index; `undefined` means too little data. */
class ScriptedSource implements MetricSource {
  readonly calls: { model: string; metric: MetricName; window: number; selector?: MetricSelector }[] = [];
  failing = new Set<string>();
  unregistered = new Set<string>();

  constructor(private readonly values: Record<string, (number | undefined)[]>) {}

  read(model: string, metric: MetricName, window: MetricWindow, selector?: MetricSelector) {
    const index = (window.start.getTime() - BASE) / HOUR;
    this.calls.push({ model, metric, window: index, ...(selector === undefined ? {} : { selector }) });
    if (this.failing.has(model)) return Promise.reject(new Error(`no data for ${model}`));
    if (this.unregistered.has(model)) {
      return Promise.reject(new FerryError('MODEL_NOT_FOUND', `model '${model}' does not exist`));
    }
    const value = this.values[model]?.[index];
    const reading: MetricReading | undefined =
      value === undefined ? undefined : { value, rows: 100, version: 4, details: { index } };
    return Promise.resolve(reading);
  }
}

const rule = (overrides: Partial<AlertRule> = {}): AlertRule => ({
  name: 'drift',
  model: 'fraud',
  metric: 'drift.share',
  feature: undefined,
  op: 'above',
  threshold: 0.5,
  forWindows: 2,
  severity: 'critical',
  actions: [{ kind: 'webhook', webhook: 'ops' }, { kind: 'retrain' }],
  ...overrides,
});

describe('AlertEvaluator', () => {
  forEachDialect((fixture) => {
    const evaluator = (
      source: MetricSource,
      rules: AlertRule[],
      options: { store?: AlertStore; models?: string[] } = {},
    ) =>
      new AlertEvaluator(
        {
          store: options.store ?? new AlertStore(fixture.database),
          source,
          rules,
          listModels: () => Promise.resolve(options.models ?? []),
          logger,
          clock: () => {
            throw new Error('the tests pass the time of each round');
          },
        },
        { windowMs: HOUR, intervalMs: 60_000, settleMs: 1000 },
      );

    const history = async () => {
      const store = new AlertStore(fixture.database);
      const events = (await store.listEvents({ limit: 100 })).reverse();
      const deliveries = await store.deliveriesOf(events.map((event) => event.id));
      return events.map((event) => ({
        transition: `${event.from}→${event.to}`,
        window: (event.window.start.getTime() - BASE) / HOUR,
        value: event.value,
        deliveries: deliveries
          .filter((delivery) => delivery.eventId === event.id)
          .map((delivery) => `${delivery.channel} ${delivery.notice.type}`)
          .sort(),
      }));
    };
    const stateOf = async (model = 'fraud') =>
      (await new AlertStore(fixture.database).listStatuses({ model }))[0];

    it('goes pending → firing → resolved → inactive, notifying once per change', async () => {
      const source = new ScriptedSource({ fraud: [0.1, 0.7, 0.8, 0.9, 0.2, 0.3] });
      const alerts = evaluator(source, [rule()]);
      for (let index = 0; index <= 5; index++) await alerts.evaluate(after(index));
      expect(await history()).toEqual([
        { transition: 'inactive→pending', window: 1, value: 0.7, deliveries: [] },
        {
          transition: 'pending→firing',
          window: 2,
          value: 0.8,
          deliveries: ['retrain alert.firing', 'webhook:ops alert.firing'],
        },
        { transition: 'firing→resolved', window: 4, value: 0.2, deliveries: ['webhook:ops alert.resolved'] },
        { transition: 'resolved→inactive', window: 5, value: 0.3, deliveries: [] },
      ]);
      expect(await stateOf()).toMatchObject({ state: { kind: 'inactive' }, lastValue: 0.3, version: 4 });
    });

    it('freezes in the notice the readings that fired the alert', async () => {
      const source = new ScriptedSource({ fraud: [0.7, 0.8] });
      const alerts = evaluator(source, [rule()]);
      await alerts.evaluate(after(0));
      await alerts.evaluate(after(1));
      const store = new AlertStore(fixture.database);
      const [firing] = await store.listEvents({ limit: 1 });
      const [delivery] = await store.deliveriesOf([firing!.id]);
      expect(delivery?.notice).toEqual({
        type: 'alert.firing',
        alert: {
          rule: 'drift',
          model: 'fraud',
          version: 4,
          state: 'firing',
          severity: 'critical',
          metric: 'drift.share',
          op: 'above',
          value: 0.8,
          threshold: 0.5,
          forWindows: 2,
          window: {
            start: new Date(BASE + HOUR).toISOString(),
            end: new Date(BASE + 2 * HOUR).toISOString(),
          },
        },
        readings: [0, 1].map((index) => ({
          window: {
            start: new Date(BASE + index * HOUR).toISOString(),
            end: new Date(BASE + (index + 1) * HOUR).toISOString(),
          },
          value: [0.7, 0.8][index],
          rows: 100,
          version: 4,
          details: { index },
        })),
        at: after(1).toISOString(),
      });
    });

    it('evaluates each window once: a repeated round, or another evaluator, records nothing more', async () => {
      const source = new ScriptedSource({ fraud: [0.9, 0.9, 0.9] });
      const first = evaluator(source, [rule({ forWindows: 1 })]);
      const replica = evaluator(source, [rule({ forWindows: 1 })], {
        store: new AlertStore(await fixture.open()),
      });
      expect(await first.evaluate(after(0))).toMatchObject({ recorded: 1, events: 1, deliveries: 2 });
      expect(await first.evaluate(after(0))).toMatchObject({ recorded: 0, lost: 0, events: 0 });
      expect(await replica.evaluate(after(0))).toMatchObject({ recorded: 0, events: 0 });
      const racing = await Promise.all([first.evaluate(after(1)), replica.evaluate(after(1))]);
      expect(racing.reduce((sum, round) => sum + round.recorded, 0)).toBe(1);
      expect(await history()).toEqual([
        {
          transition: 'inactive→firing',
          window: 0,
          value: 0.9,
          deliveries: ['retrain alert.firing', 'webhook:ops alert.firing'],
        },
      ]);
      expect((await stateOf())?.window.end).toEqual(new Date(BASE + 2 * HOUR));
    });

    it('lets a window without a verdict neither breach nor clear, and still counts it as evaluated', async () => {
      const source = new ScriptedSource({ fraud: [0.9, undefined, 0.9, undefined, 0.1] });
      const alerts = evaluator(source, [rule()]);
      for (let index = 0; index <= 4; index++) await alerts.evaluate(after(index));
      expect((await history()).map((event) => event.transition)).toEqual([
        'inactive→pending',
        'pending→firing',
        'firing→resolved',
      ]);
      // The first round also reads the window before (forWindows = 2 windows back); each only once.
      expect(source.calls.map((call) => call.window)).toEqual([-1, 0, 1, 2, 3, 4]);
      await alerts.evaluate(after(1));
      expect(source.calls).toHaveLength(6);
    });

    it('waits for a window to settle before evaluating it', async () => {
      const source = new ScriptedSource({ fraud: [0.9] });
      const alerts = evaluator(source, [rule({ forWindows: 1 })]);
      // 500 ms after window 0 ended it has not settled (settleMs 1000): window -1 is the last complete one.
      await alerts.evaluate(new Date(BASE + HOUR + 500));
      expect(source.calls.map((call) => call.window)).toEqual([-1]);
      expect(await alerts.evaluate(new Date(BASE + HOUR + 1000))).toMatchObject({ recorded: 1, events: 1 });
      expect(source.calls.map((call) => call.window)).toEqual([-1, 0]);
    });

    it('catches up on at most forWindows windows after a pause, and can fire from them at once', async () => {
      const source = new ScriptedSource({ fraud: [0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.9] });
      const alerts = evaluator(source, [rule({ forWindows: 3 })]);
      await alerts.evaluate(after(0));
      await alerts.evaluate(after(6));
      expect(source.calls.map((call) => call.window)).toEqual([-2, -1, 0, 4, 5, 6]);
      expect((await history()).map((event) => `${event.transition}@${event.window}`)).toEqual([
        'inactive→pending@4',
        'pending→firing@6',
      ]);
    });

    it('evaluates a rule on * for every registered model, with its feature, and isolates a failing model', async () => {
      const source = new ScriptedSource({ fraud: [0.9], churn: [0.9], spam: [0.1] });
      source.failing.add('churn');
      const alerts = evaluator(
        source,
        [rule({ model: '*', metric: 'drift.feature', feature: 'age', forWindows: 1, actions: [] })],
        { models: ['churn', 'fraud', 'spam'] },
      );
      expect(await alerts.evaluate(after(0))).toMatchObject({ recorded: 2, failed: 1, deliveries: 0 });
      expect(source.calls).toContainEqual({
        model: 'fraud',
        metric: 'drift.feature',
        window: 0,
        selector: { feature: 'age' },
      });
      expect((await stateOf('fraud'))?.state.kind).toBe('firing');
      expect((await stateOf('spam'))?.state.kind).toBe('inactive');
      expect(await stateOf('churn')).toBeUndefined();
      source.failing.clear();
      expect(await alerts.evaluate(after(0))).toMatchObject({ recorded: 1, failed: 0 });
      expect((await stateOf('churn'))?.state.kind).toBe('firing');
    });

    it('warns once, without a stack, about a rule on a model that is not registered yet', async () => {
      const lines: string[] = [];
      const capture = new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(chunk.toString());
          done();
        },
      });
      const source = new ScriptedSource({ fraud: [0.9, 0.9] });
      source.unregistered.add('fraud');
      const alerts = new AlertEvaluator(
        {
          store: new AlertStore(fixture.database),
          source,
          rules: [rule({ forWindows: 1, actions: [] })],
          listModels: () => Promise.resolve([]),
          logger: createLogger('warn', capture),
        },
        { windowMs: HOUR, intervalMs: 60_000, settleMs: 1000 },
      );
      expect(await alerts.evaluate(after(0))).toMatchObject({ recorded: 0, failed: 1 });
      expect(await alerts.evaluate(after(1))).toMatchObject({ recorded: 0, failed: 1 });
      expect(lines).toHaveLength(1);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({
        rule: 'drift',
        model: 'fraud',
        msg: "alert rule 'drift' watches model 'fraud', which is not registered; it gives no verdict until the model is pushed",
      });
      expect(lines[0]).not.toContain('stack');
      source.unregistered.clear();
      expect(await alerts.evaluate(after(1))).toMatchObject({ recorded: 1, failed: 0 });
    });

    it('runs rounds on its interval once started, and stops', async () => {
      const source = new ScriptedSource({});
      const alerts = new AlertEvaluator(
        {
          store: new AlertStore(fixture.database),
          source,
          rules: [rule()],
          listModels: () => Promise.resolve([]),
          logger,
        },
        { windowMs: 20, intervalMs: 10, settleMs: 0 },
      );
      alerts.start();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await alerts.stop();
      const calls = source.calls.length;
      expect(calls).toBeGreaterThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(source.calls).toHaveLength(calls);
    });
  });
});
