import type { Logger } from '../../core/index.js';
import { deliveryEvent } from '../../jobs/index.js';
import type { AlertChannel, ChannelOutcome } from './alert-channel.js';
import type { AlertDelivery } from './alert-records.js';
import type { AlertStore, DeliveryClaimSettings } from './alert-store.js';

/** Settings of the dispatcher. */
export interface AlertDispatcherOptions {
  /** How often an idle dispatcher looks for due deliveries (others' and retries). */
  readonly pollIntervalMs: number;
  /** Deliveries in flight at once. */
  readonly concurrency: number;
}

/** Dependencies of the dispatcher. */
export interface AlertDispatcherDeps {
  readonly store: AlertStore;
  /** The channels by name (`webhook:<name>`, `retrain`). */
  readonly channels: ReadonlyMap<string, AlertChannel>;
  readonly logger: Logger;
  readonly clock?: (() => Date) | undefined;
}

/** A claim outlives its delivery's timeout by this much, so a live delivery is never taken over. */
const LEASE_MARGIN_MS = 30_000;

/** Claim settings of a channel no longer configured: one claim, then the delivery fails. */
const GONE: DeliveryClaimSettings = { leaseMs: LEASE_MARGIN_MS, maxAttempts: 1 };

/**
 * Delivers the notifications and retraining triggers the evaluator enqueued: claims due deliveries
 * from the store (any replica's), hands each to its channel, and records the outcome with the jobs
 * callback machine: delivered, due again after `backoffMs · 2^(attempts-1)` on a retryable failure
 * (network error, timeout, 5xx or 429, non-zero exit), or failed after `attempts`. A restart resumes
 * pending deliveries, and a delivery whose process died is claimed again when its claim lapses.
 */
export class AlertDispatcher {
  private readonly clock: () => Date;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private phase: 'new' | 'started' | 'stopping' = 'new';
  private loopDone: Promise<void> = Promise.resolve();
  private woken = false;
  private wake: (() => void) | undefined;
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopped: Promise<void> | undefined;

  constructor(
    private readonly deps: AlertDispatcherDeps,
    private readonly options: AlertDispatcherOptions,
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Start polling for due deliveries. */
  start(): void {
    if (this.phase !== 'new') return;
    this.phase = 'started';
    this.loopDone = this.loop();
  }

  /** Look for due deliveries now instead of at the next poll. */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  /** Stop claiming; give deliveries in flight up to `graceMs`, then cut them short (they are tried again later). */
  stop(graceMs: number): Promise<void> {
    return (this.stopped ??= this.stopNow(graceMs));
  }

  private async stopNow(graceMs: number): Promise<void> {
    const wasStarted = this.phase === 'started';
    this.phase = 'stopping';
    for (const timer of this.retryTimers) clearTimeout(timer);
    if (!wasStarted) return;
    this.notify();
    await this.loopDone;
    let timer: NodeJS.Timeout | undefined;
    const graceOver = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.allSettled([...this.inFlight]), graceOver]);
    clearTimeout(timer);
    this.abort.abort();
    await Promise.allSettled([...this.inFlight]);
  }

  private async loop(): Promise<void> {
    while (this.phase === 'started') {
      try {
        await this.claim();
      } catch (error) {
        this.deps.logger.error(
          { err: error },
          'claiming alert deliveries failed; trying again at the next poll',
        );
      }
      await this.sleep();
    }
  }

  private settingsOf = (channel: string): DeliveryClaimSettings => {
    const found = this.deps.channels.get(channel);
    if (found === undefined) return GONE;
    return { leaseMs: found.settings.timeoutMs + LEASE_MARGIN_MS, maxAttempts: found.settings.attempts };
  };

  private async claim(): Promise<void> {
    while (this.phase === 'started' && this.inFlight.size < this.options.concurrency) {
      const delivery = await this.deps.store.claimDelivery(this.clock(), this.settingsOf);
      if (delivery === undefined) return;
      const running = this.deliver(delivery)
        .catch((error: unknown) =>
          this.deps.logger.error(
            { delivery: delivery.id, err: error },
            'recording an alert delivery failed; it is tried again when its claim lapses',
          ),
        )
        .finally(() => {
          this.inFlight.delete(running);
          this.notify();
        });
      this.inFlight.add(running);
    }
  }

  private async deliver(delivery: AlertDelivery): Promise<void> {
    const signal = this.abort.signal;
    const channel = this.deps.channels.get(delivery.channel);
    let outcome: ChannelOutcome;
    if (channel === undefined) {
      outcome = {
        ok: false,
        error: `the channel ${delivery.channel} is no longer configured (alerts.webhooks, alerts.retrain)`,
        retryable: false,
      };
    } else {
      try {
        outcome = await channel.deliver(delivery, signal);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        outcome = { ok: false, error: reason, retryable: true };
      }
    }
    const event = deliveryEvent(outcome, signal.aborted, this.clock(), {
      maxAttempts: channel?.settings.attempts ?? 1,
      backoffMs: channel?.settings.backoffMs ?? 0,
    });
    const written = await this.deps.store.transitionDelivery(
      delivery,
      event,
      outcome.ok ? outcome.outcome : outcome.error,
    );
    const log = {
      delivery: delivery.id,
      channel: delivery.channel,
      event: delivery.notice.type,
      rule: delivery.notice.alert.rule,
      model: delivery.notice.alert.model,
      attempt: delivery.state.attempts,
    };
    if (written === undefined) {
      this.deps.logger.warn(
        log,
        'alert delivery claim lapsed before its outcome was recorded; it may be sent twice',
      );
    } else if (written.state.kind === 'delivered') {
      this.deps.logger.info({ ...log, outcome: written.outcome }, 'alert notice delivered');
    } else if (written.state.kind === 'failed') {
      this.deps.logger.warn(
        { ...log, reason: written.state.error },
        'alert notice failed; no more deliveries',
      );
    } else if (written.state.kind === 'pending' && !outcome.ok) {
      this.deps.logger.info(
        { ...log, reason: outcome.error },
        'alert notice not delivered; it will be tried again',
      );
      this.wakeAt(written.state.dueAt);
    }
  }

  /** Look again when a retry is due (sooner than the next poll when the backoff is short). */
  private wakeAt(dueAt: Date): void {
    if (this.phase !== 'started') return;
    const timer = setTimeout(
      () => {
        this.retryTimers.delete(timer);
        this.notify();
      },
      Math.max(0, dueAt.getTime() - this.clock().getTime()),
    );
    timer.unref();
    this.retryTimers.add(timer);
  }

  private sleep(): Promise<void> {
    if (this.woken || this.phase !== 'started') {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        this.woken = false;
        resolve();
      };
      const timer = setTimeout(done, this.options.pollIntervalMs);
      this.wake = done;
    });
  }
}
