import type { DeliveryOutcome } from '../../jobs/index.js';
import type { AlertDelivery } from './alert-records.js';

/** How a channel's deliveries are tried. */
export interface AlertChannelSettings {
  /** Deliveries tried before one is marked failed. */
  readonly attempts: number;
  /** Wait before the second delivery; doubled before each further one. */
  readonly backoffMs: number;
  /** How long one delivery may take. */
  readonly timeoutMs: number;
}

/** How one delivery went: what it gave, or why it failed and whether trying again may help. */
export type ChannelOutcome =
  | { readonly ok: true; readonly outcome: string }
  | { readonly ok: false; readonly error: string; readonly retryable: boolean };

/**
 * Where alert notices go: a webhook, or the retraining trigger (a strategy, so the dispatcher is
 * tested without a network). A delivery cut short by `signal` (shutdown) is given back and tried
 * again later.
 */
export interface AlertChannel {
  /** `webhook:<name>` or `retrain`, as rules name it in their actions. */
  readonly name: string;
  readonly settings: AlertChannelSettings;
  deliver(delivery: AlertDelivery, signal: AbortSignal): Promise<ChannelOutcome>;
}

/**
 * The outcome of an HTTP delivery as a channel reports it. A receiver's 4xx answer says the
 * request itself is refused (wrong URL, bad signature): trying again would fail the same way,
 * except for 408 (timeout) and 429 (rate limited). Network errors, timeouts and 5xx are retried.
 */
export function httpOutcome(outcome: DeliveryOutcome): ChannelOutcome {
  if (outcome.ok) return { ok: true, outcome: `HTTP ${outcome.status}` };
  const { status } = outcome;
  const refused = status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
  return { ok: false, error: outcome.error, retryable: outcome.retryable && !refused };
}
