import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FERRY_VERSION } from '../../../src/core/version.js';
import { expectFerryError } from '../../support/ferry-errors.js';
import { apiCall } from '../../support/management-api.js';
import {
  DialSource,
  eventually,
  expectedSignature,
  startAlertServer,
  startReceiver,
  type AlertTestServer,
  type Receiver,
} from './alert-helpers.js';

const SECRET = 'webhook-secret-for-tests';
const SECRET_ENV = 'FERRY_TEST_ALERTS_OPS_SECRET';

describe('alert webhooks', () => {
  let receiver: Receiver;
  let server: AlertTestServer;
  const source = new DialSource();

  beforeAll(async () => {
    process.env[SECRET_ENV] = SECRET;
    // The first notification is answered 500: it must be retried, then delivered.
    receiver = await startReceiver([500]);
    server = await startAlertServer(
      {
        alerts: {
          allowLoopbackWebhooks: true,
          rules: [
            {
              name: 'scale-errors',
              model: 'scale',
              metric: 'errors.rate',
              op: 'above',
              threshold: 0.05,
              forWindows: 2,
              severity: 'critical',
              actions: ['webhook:ops'],
            },
          ],
          webhooks: { ops: { url: receiver.url, secretEnv: SECRET_ENV, attempts: 3, backoffMs: 50 } },
        },
      },
      { metricProviders: [{ metrics: ['errors.rate'], source }] },
    );
  });

  afterAll(async () => {
    await server?.stop();
    await receiver?.close();
    delete process.env[SECRET_ENV];
  });

  it('fires after forWindows breaching windows, signs the notification, retries a 500 and delivers it once', async () => {
    source.value = 0.2;
    const [first, second] = await receiver.waitFor(2);
    expect(first!.status).toBe(500);
    expect(second!.status).toBe(200);
    for (const request of [first!, second!]) {
      expect(request.headers['content-type']).toBe('application/json');
      expect(request.headers['x-ferry-event']).toBe('alert.firing');
      expect(request.headers['x-ferry-signature']).toBe(expectedSignature(SECRET, request.raw));
      expect(request.headers['x-ferry-signature']).not.toBe(expectedSignature('wrong', request.raw));
    }
    // A retry is the same delivery: same id, same bytes, same signature.
    expect(second!.headers['x-ferry-delivery']).toMatch(/^[0-9a-f-]{36}$/);
    expect(second!.headers['x-ferry-delivery']).toBe(first!.headers['x-ferry-delivery']);
    expect(second!.raw).toBe(first!.raw);
    expect(second!.body).toEqual({
      alert: {
        rule: 'scale-errors',
        model: 'scale',
        version: 1,
        state: 'firing',
        severity: 'critical',
        metric: 'errors.rate',
        op: 'above',
        value: 0.2,
        threshold: 0.05,
        forWindows: 2,
        window: { start: expect.any(String), end: expect.any(String) },
      },
      at: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      ferry: { version: FERRY_VERSION },
    });
    const { start, end } = second!.body.alert.window;
    expect(Date.parse(end) - Date.parse(start)).toBe(300);

    const states = await apiCall('GET', `${server.url}/api/v1/alerts?state=firing`);
    expect(states.status).toBe(200);
    expect(states.body.alerts).toEqual([
      expect.objectContaining({
        rule: 'scale-errors',
        model: 'scale',
        state: 'firing',
        value: 0.2,
        breaches: 2,
      }),
    ]);
    const history = await eventually(async () => {
      const response = await apiCall('GET', `${server.url}/api/v1/alerts/events?rule=scale-errors`);
      const firing = response.body.events.find((event: any) => event.to === 'firing');
      return firing?.deliveries[0]?.state === 'delivered' ? response.body.events : undefined;
    });
    expect(history.map((event: any) => `${event.from}→${event.to}`)).toEqual([
      'pending→firing',
      'inactive→pending',
    ]);
    expect(history[0].deliveries).toEqual([
      {
        id: first!.headers['x-ferry-delivery'],
        channel: 'webhook:ops',
        event: 'alert.firing',
        state: 'delivered',
        attempts: 2,
        outcome: 'HTTP 200',
        deliveredAt: expect.any(String),
      },
    ]);
  });

  it('keeps firing without notifying again, and notifies once when it resolves', async () => {
    // Several more breaching windows: no new notification.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.received).toHaveLength(2);
    source.value = 0.01;
    const [, , resolved] = await receiver.waitFor(3);
    expect(resolved!.headers['x-ferry-event']).toBe('alert.resolved');
    expect(resolved!.headers['x-ferry-signature']).toBe(expectedSignature(SECRET, resolved!.raw));
    expect(resolved!.headers['x-ferry-delivery']).not.toBe(receiver.received[0]!.headers['x-ferry-delivery']);
    expect(resolved!.body.alert).toMatchObject({ state: 'resolved', value: 0.01 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.received).toHaveLength(3);
    const states = await apiCall('GET', `${server.url}/api/v1/alerts?model=scale`);
    expect(states.body.alerts[0].state).toBe('inactive');
  });

  it('neither fires nor resolves on windows without a verdict', async () => {
    source.value = undefined;
    const before = (await apiCall('GET', `${server.url}/api/v1/alerts/events?limit=1000`)).body.events.length;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const after = (await apiCall('GET', `${server.url}/api/v1/alerts/events?limit=1000`)).body.events.length;
    expect(after).toBe(before);
    const [state] = (await apiCall('GET', `${server.url}/api/v1/alerts`)).body.alerts;
    expect(state).toMatchObject({ state: 'inactive', value: null, rows: null });
  });
});

describe('alert webhook delivery across a restart', () => {
  it('resumes a pending notification after the server restarts', async () => {
    // A receiver that is down: take a free port, then close it.
    const probe = await startReceiver();
    const port = Number(new URL(probe.url).port);
    await probe.close();
    const source = new DialSource();
    source.value = 1;
    const settings = {
      alerts: {
        allowLoopbackWebhooks: true,
        rules: [
          {
            name: 'latency',
            model: 'm',
            metric: 'latency.p99_seconds',
            op: 'above',
            threshold: 0.5,
            actions: ['webhook:ops'],
          },
        ],
        webhooks: { ops: { url: `http://127.0.0.1:${port}/hook`, attempts: 50, backoffMs: 100 } },
      },
    };
    const wiring = { metricProviders: [{ metrics: ['latency.p99_seconds' as const], source }] };
    const first = await startAlertServer(settings, wiring);
    const pending = await eventually(async () => {
      const events = (await apiCall('GET', `${first.url}/api/v1/alerts/events`)).body.events;
      const delivery = events[0]?.deliveries[0];
      return delivery?.attempts >= 1 && delivery.error !== undefined ? delivery : undefined;
    });
    expect(pending).toMatchObject({ state: 'pending', error: expect.stringContaining('ECONNREFUSED') });
    await first.close();

    const receiver = await startReceiver([], port);
    const second = await startAlertServer(settings, wiring, first.dataDir);
    try {
      const [delivered] = await receiver.waitFor(1);
      expect(delivered!.headers['x-ferry-delivery']).toBe(pending.id);
      expect(delivered!.headers['x-ferry-event']).toBe('alert.firing');
      expect(delivered!.headers).not.toHaveProperty('x-ferry-signature');
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(receiver.received).toHaveLength(1);
    } finally {
      await second.stop();
      await receiver.close();
    }
  });
});

describe('alert webhook addresses', () => {
  it('refuses to start with a loopback webhook unless alerts.allowLoopbackWebhooks is set', async () => {
    const settings = (allow: boolean) => ({
      alerts: {
        allowLoopbackWebhooks: allow,
        webhooks: { ops: { url: 'http://127.0.0.1:9/hook' } },
      },
    });
    await expectFerryError(
      startAlertServer(settings(false)),
      'INVALID_CONFIG',
      'alerts.webhooks.ops.url: callback URL',
    ).then((error) => expect(error.message).toContain('alerts.allowLoopbackWebhooks'));
    const allowed = await startAlertServer(settings(true));
    await allowed.stop();
  });

  it('refuses link-local and metadata addresses even when loopback is allowed', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data',
      'http://[fe80::1]/hook',
      'http://metadata.google.internal/x',
    ]) {
      await expectFerryError(
        startAlertServer({ alerts: { allowLoopbackWebhooks: true, webhooks: { ops: { url } } } }),
        'INVALID_CONFIG',
        'alerts.webhooks.ops.url',
      );
    }
  });
});
