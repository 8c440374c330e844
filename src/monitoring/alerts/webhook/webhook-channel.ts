import { FERRY_VERSION } from '../../../core/index.js';
import type { CallbackSender } from '../../../jobs/index.js';
import {
  httpOutcome,
  type AlertChannel,
  type AlertChannelSettings,
  type ChannelOutcome,
} from '../alert-channel.js';
import type { AlertDelivery, AlertNotice } from '../alert-records.js';
import { SIGNATURE_HEADER, signBody } from '../alert-signature.js';

/** One configured webhook. */
export interface WebhookSettings extends AlertChannelSettings {
  /** The name rules use (`webhook:<name>`). */
  readonly name: string;
  readonly url: string;
  /** The HMAC-SHA256 key; undefined sends no signature. */
  readonly secret: string | undefined;
}

/** The JSON a webhook receives. */
export interface WebhookBody {
  readonly alert: AlertNotice['alert'];
  readonly at: string;
  readonly ferry: { readonly version: string };
}

/** The body of a notice as a webhook receives it (the same bytes on every retry). */
export function webhookBody(notice: AlertNotice): string {
  const body: WebhookBody = { alert: notice.alert, at: notice.at, ferry: { version: FERRY_VERSION } };
  return JSON.stringify(body);
}

/**
 * POSTs alert notices to a webhook through the guarded sender of job callbacks (the same address
 * guard, no redirects, bounded answers), with `x-ferry-event` (`alert.firing` or `alert.resolved`),
 * `x-ferry-delivery` (the delivery id, the same on every retry) and, when the webhook has a
 * secret, `x-ferry-signature: sha256=<hex HMAC-SHA256 of the body>`.
 */
export class WebhookChannel implements AlertChannel {
  readonly name: string;

  constructor(
    readonly settings: WebhookSettings,
    private readonly sender: CallbackSender,
  ) {
    this.name = `webhook:${settings.name}`;
  }

  async deliver(delivery: AlertDelivery, signal: AbortSignal): Promise<ChannelOutcome> {
    const body = webhookBody(delivery.notice);
    const headers: Record<string, string> = {
      'x-ferry-event': delivery.notice.type,
      'x-ferry-delivery': delivery.id,
    };
    if (this.settings.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(this.settings.secret, body);
    const outcome = await this.sender.send(
      { url: this.settings.url, attempt: delivery.state.attempts, body, headers },
      signal,
    );
    return httpOutcome(outcome);
  }
}
