import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../../test/support/databases.js';
import type { AlertNotice, AlertStatus, NewAlertEvent } from './alert-records.js';
import type { AlertState, WindowReading } from './alert-state.js';
import { AlertStore } from './alert-store.js';

const HOUR = 3_600_000;
const t = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms);
const window = (index: number) => ({ start: t(index * HOUR), end: t((index + 1) * HOUR) });
const reading = (index: number, value: number): WindowReading => ({
  window: window(index),
  value,
  rows: 50,
  version: 2,
  details: { drifted: ['age'] },
});

const status = (index: number, state: AlertState, overrides: Partial<AlertStatus> = {}): AlertStatus => ({
  rule: 'drift',
  model: 'fraud',
  state,
  version: 2,
  lastValue: 0.7,
  lastRows: 50,
  window: window(index),
  updatedAt: t((index + 1) * HOUR + 1000),
  ...overrides,
});

const notice = (index: number): AlertNotice => ({
  type: 'alert.firing',
  alert: {
    rule: 'drift',
    model: 'fraud',
    version: 2,
    state: 'firing',
    severity: 'critical',
    metric: 'drift.share',
    op: 'above',
    value: 0.7,
    threshold: 0.5,
    forWindows: 1,
    window: { start: window(index).start.toISOString(), end: window(index).end.toISOString() },
  },
  readings: [],
  at: t((index + 1) * HOUR + 1000).toISOString(),
});

const firingEvent = (index: number, channels: string[] = []): NewAlertEvent => ({
  rule: 'drift',
  model: 'fraud',
  version: 2,
  from: 'inactive',
  to: 'firing',
  metric: 'drift.share',
  feature: undefined,
  op: 'above',
  severity: 'critical',
  value: 0.7,
  threshold: 0.5,
  window: window(index),
  readings: [reading(index, 0.7)],
  at: t((index + 1) * HOUR + 1000),
  deliveries: channels.map((channel, i) => ({ id: `d-${index}-${i}`, channel, notice: notice(index) })),
});

const firing = (index: number): AlertState => ({
  kind: 'firing',
  since: window(index).end,
  breaches: [reading(index, 0.7)],
});

describe('AlertStore', () => {
  forEachDialect((fixture) => {
    const store = () => new AlertStore(fixture.database);

    it('stores a first evaluation and reads the state back, with filters', async () => {
      const alerts = store();
      const first = status(0, firing(0));
      expect(await alerts.record({ previousWindowEnd: undefined, status: first, events: [] })).toBe(true);
      const other = status(
        0,
        { kind: 'inactive' },
        { model: 'churn', lastValue: undefined, lastRows: undefined },
      );
      expect(await alerts.record({ previousWindowEnd: undefined, status: other, events: [] })).toBe(true);
      expect(await alerts.listStatuses()).toEqual([other, first]);
      expect(await alerts.listStatuses({ state: 'firing' })).toEqual([first]);
      expect(await alerts.listStatuses({ model: 'churn' })).toEqual([other]);
      expect(await alerts.listStatuses({ rule: 'nope' })).toEqual([]);
    });

    it('records a window once: a second evaluator with the same view changes nothing', async () => {
      const alerts = store();
      const replica = new AlertStore(await fixture.open());
      await alerts.record({
        previousWindowEnd: undefined,
        status: status(0, { kind: 'inactive' }),
        events: [],
      });
      const evaluation = {
        previousWindowEnd: window(0).end,
        status: status(1, firing(1)),
        events: [firingEvent(1, ['webhook:ops'])],
      };
      expect(await alerts.record(evaluation)).toBe(true);
      expect(await replica.record(evaluation)).toBe(false);
      expect(await replica.record({ ...evaluation, previousWindowEnd: undefined })).toBe(false);
      expect(await alerts.listEvents({ limit: 10 })).toHaveLength(1);
      expect(await alerts.deliveriesOf([1, 2, 3])).toHaveLength(1);
      expect((await alerts.listStatuses())[0]?.window).toEqual(window(1));
    });

    it('lets exactly one of two evaluators racing for the same windows record them', async () => {
      const alerts = store();
      const replica = new AlertStore(await fixture.open());
      const evaluation = (id: string) => ({
        previousWindowEnd: undefined,
        status: status(0, firing(0)),
        events: [
          {
            ...firingEvent(0, ['webhook:ops']),
            deliveries: [{ id, channel: 'webhook:ops', notice: notice(0) }],
          },
        ],
      });
      const results = await Promise.all([alerts.record(evaluation('a')), replica.record(evaluation('b'))]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const events = await alerts.listEvents({ limit: 10 });
      expect(events).toHaveLength(1);
      expect(await alerts.deliveriesOf(events.map((event) => event.id))).toHaveLength(1);
    });

    it('refuses a second event for the same rule, model and window, writing nothing of it', async () => {
      const alerts = store();
      await alerts.record({
        previousWindowEnd: undefined,
        status: status(0, firing(0)),
        events: [firingEvent(0)],
      });
      // A state that claims to be at window 0 again cannot add another event for window 0.
      await expect(
        alerts.record({
          previousWindowEnd: window(0).end,
          status: status(0, { kind: 'resolved', since: window(0).end }),
          events: [{ ...firingEvent(0), from: 'firing', to: 'resolved' }],
        }),
      ).rejects.toThrow();
      expect((await alerts.listStatuses())[0]?.state.kind).toBe('firing');
      expect(await alerts.listEvents({ limit: 10 })).toHaveLength(1);
    });

    it('lists events newest first with their readings, by rule and model', async () => {
      const alerts = store();
      await alerts.record({
        previousWindowEnd: undefined,
        status: status(0, firing(0)),
        events: [firingEvent(0)],
      });
      await alerts.record({
        previousWindowEnd: window(0).end,
        status: status(1, { kind: 'resolved', since: window(1).end }),
        events: [
          { ...firingEvent(1), from: 'firing', to: 'resolved', value: 0.2, readings: [reading(1, 0.2)] },
        ],
      });
      const events = await alerts.listEvents({ limit: 10 });
      expect(events.map((event) => [event.from, event.to])).toEqual([
        ['firing', 'resolved'],
        ['inactive', 'firing'],
      ]);
      expect(events[1]).toEqual({ ...firingEvent(0), deliveries: undefined, id: events[1]!.id });
      expect(await alerts.listEvents({ limit: 1 })).toHaveLength(1);
      expect(await alerts.listEvents({ limit: 10, rule: 'other' })).toEqual([]);
      expect(await alerts.listEvents({ limit: 10, model: 'fraud' })).toHaveLength(2);
    });

    it('delivers through claim, retry with backoff and record; a late record of an old claim changes nothing', async () => {
      const alerts = store();
      const replica = new AlertStore(await fixture.open());
      const at = t(HOUR + 1000);
      await alerts.record({
        previousWindowEnd: undefined,
        status: status(0, firing(0)),
        events: [firingEvent(0, ['webhook:ops'])],
      });
      const settings = () => ({ leaseMs: 1000, maxAttempts: 3 });
      const [mine, theirs] = await Promise.all([
        alerts.claimDelivery(at, settings),
        replica.claimDelivery(at, settings),
      ]);
      expect([mine, theirs].filter((claimed) => claimed !== undefined)).toHaveLength(1);
      const claimed = (mine ?? theirs)!;
      expect(claimed).toMatchObject({
        id: 'd-0-0',
        channel: 'webhook:ops',
        notice: notice(0),
        state: { kind: 'sending', attempts: 1, leaseExpiresAt: new Date(at.getTime() + 1000) },
      });
      const retry = await alerts.transitionDelivery(
        claimed,
        {
          kind: 'undelivered',
          now: new Date(at.getTime() + 10),
          error: 'the receiver answered HTTP 500',
          retryable: true,
          maxAttempts: 3,
          backoffMs: 100,
        },
        'the receiver answered HTTP 500',
      );
      expect(retry?.state).toMatchObject({
        kind: 'pending',
        attempts: 1,
        dueAt: new Date(at.getTime() + 110),
      });
      expect(await alerts.claimDelivery(new Date(at.getTime() + 109), settings)).toBeUndefined();
      const again = await alerts.claimDelivery(new Date(at.getTime() + 110), settings);
      expect(again?.state).toMatchObject({
        kind: 'sending',
        attempts: 2,
        lastError: 'the receiver answered HTTP 500',
      });
      const delivered = await alerts.transitionDelivery(
        again!,
        { kind: 'delivered', now: new Date(at.getTime() + 120) },
        'HTTP 204',
      );
      expect(delivered?.state).toEqual({
        kind: 'delivered',
        attempts: 2,
        deliveredAt: new Date(at.getTime() + 120),
      });
      expect(await alerts.getDelivery('d-0-0')).toEqual(delivered);
      expect(delivered?.outcome).toBe('HTTP 204');
      expect(
        await alerts.transitionDelivery(claimed, { kind: 'delivered', now: t(2 * HOUR) }),
      ).toBeUndefined();
    });

    it('claims again a delivery whose claim lapsed, and fails it once its attempts are used up', async () => {
      const alerts = store();
      const at = t(HOUR + 1000);
      await alerts.record({
        previousWindowEnd: undefined,
        status: status(0, firing(0)),
        events: [firingEvent(0, ['retrain'])],
      });
      const settings = () => ({ leaseMs: 1000, maxAttempts: 2 });
      expect((await alerts.claimDelivery(at, settings))?.state.attempts).toBe(1);
      expect(await alerts.claimDelivery(new Date(at.getTime() + 1000), settings)).toBeUndefined();
      expect((await alerts.claimDelivery(new Date(at.getTime() + 1001), settings))?.state.attempts).toBe(2);
      expect(await alerts.claimDelivery(new Date(at.getTime() + 5000), settings)).toBeUndefined();
      expect((await alerts.getDelivery('d-0-0'))?.state).toMatchObject({ kind: 'failed', attempts: 2 });
    });
  });
});
