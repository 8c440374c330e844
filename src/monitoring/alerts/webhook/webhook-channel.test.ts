import { describe, expect, it } from 'vitest';
import { FERRY_VERSION } from '../../../core/index.js';
import type { CallbackDelivery, CallbackSender, DeliveryOutcome } from '../../../jobs/index.js';
import type { AlertDelivery } from '../alert-records.js';
import { signBody, verifySignature } from '../alert-signature.js';
import { WebhookChannel } from './webhook-channel.js';

class RecordingSender implements CallbackSender {
  readonly sent: CallbackDelivery[] = [];
  constructor(private readonly outcome: DeliveryOutcome) {}
  send(delivery: CallbackDelivery): Promise<DeliveryOutcome> {
    this.sent.push(delivery);
    return Promise.resolve(this.outcome);
  }
}

const delivery: AlertDelivery = {
  id: '3f7c5f2e-0000-4000-8000-000000000001',
  eventId: 1,
  channel: 'webhook:ops',
  notice: {
    type: 'alert.resolved',
    alert: {
      rule: 'latency',
      model: 'fraud',
      version: null,
      state: 'resolved',
      severity: 'warning',
      metric: 'latency.p99_seconds',
      op: 'above',
      value: 0.1,
      threshold: 0.25,
      forWindows: 2,
      window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z' },
    },
    readings: [
      { window: { start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T01:00:00.000Z' }, value: 0.1, rows: 9 },
    ],
    at: '2026-01-01T01:00:05.000Z',
  },
  state: { kind: 'sending', attempts: 2, leaseExpiresAt: new Date(), lastError: 'HTTP 500' },
  outcome: undefined,
  createdAt: new Date(),
  updatedAt: new Date(),
};

const settings = {
  name: 'ops',
  url: 'https://hooks.example.com/ferry',
  attempts: 3,
  backoffMs: 10,
  timeoutMs: 1000,
};

describe('WebhookChannel', () => {
  it('POSTs the alert, the time and the Ferry version, signed with the secret, with event and delivery headers', async () => {
    const sender = new RecordingSender({ ok: true, status: 204 });
    const channel = new WebhookChannel({ ...settings, secret: 's3cret' }, sender);
    expect(channel.name).toBe('webhook:ops');
    expect(await channel.deliver(delivery, new AbortController().signal)).toEqual({
      ok: true,
      outcome: 'HTTP 204',
    });
    const [sent] = sender.sent;
    expect(sent?.url).toBe(settings.url);
    expect(sent?.attempt).toBe(2);
    expect(JSON.parse(sent!.body)).toEqual({
      alert: delivery.notice.alert,
      at: delivery.notice.at,
      ferry: { version: FERRY_VERSION },
    });
    expect(sent?.headers).toEqual({
      'x-ferry-event': 'alert.resolved',
      'x-ferry-delivery': delivery.id,
      'x-ferry-signature': signBody('s3cret', sent!.body),
    });
    expect(verifySignature('s3cret', sent!.body, sent!.headers!['x-ferry-signature']!)).toBe(true);
    expect(verifySignature('other', sent!.body, sent!.headers!['x-ferry-signature']!)).toBe(false);
  });

  it('sends no signature without a secret, and the same bytes on every attempt', async () => {
    const sender = new RecordingSender({ ok: true, status: 200 });
    const channel = new WebhookChannel({ ...settings, secret: undefined }, sender);
    await channel.deliver(delivery, new AbortController().signal);
    await channel.deliver(delivery, new AbortController().signal);
    expect(sender.sent[0]?.headers).not.toHaveProperty('x-ferry-signature');
    expect(sender.sent[0]?.body).toBe(sender.sent[1]?.body);
  });

  it('retries network errors, timeouts, 5xx, 408 and 429, and not other 4xx answers', async () => {
    const outcome = async (answer: DeliveryOutcome) =>
      new WebhookChannel({ ...settings, secret: undefined }, new RecordingSender(answer)).deliver(
        delivery,
        new AbortController().signal,
      );
    const failed = (status?: number): DeliveryOutcome => ({
      ok: false,
      error: status === undefined ? 'delivery failed: ECONNREFUSED' : `the receiver answered HTTP ${status}`,
      retryable: true,
      status,
    });
    expect(await outcome(failed())).toMatchObject({ ok: false, retryable: true });
    for (const status of [500, 503, 408, 429]) {
      expect(await outcome(failed(status))).toMatchObject({ ok: false, retryable: true });
    }
    for (const status of [400, 401, 404, 410]) {
      expect(await outcome(failed(status))).toMatchObject({ ok: false, retryable: false });
    }
    expect(await outcome({ ok: false, error: 'refused address', retryable: false })).toMatchObject({
      retryable: false,
    });
  });
});

describe('signBody', () => {
  it('is sha256= and the hex HMAC-SHA256 of the raw body', () => {
    // RFC 4231 test case 2.
    expect(signBody('Jefe', 'what do ya want for nothing?')).toBe(
      'sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });
});
