import type { Logger } from '../core/index.js';
import { deliveryEvent } from './callback-state.js';
import type { CallbackSender } from './callback-sender.js';
import type { Job } from './job.js';
import type { JobStore } from './job-store.js';
import { jobView } from './job-view.js';

/** Settings of callback delivery, from the `jobs` configuration. */
export interface CallbackDeliverySettings {
  readonly maxAttempts: number;
  readonly backoffMs: number;
}

/**
 * Deliver one claimed callback (the job's callback state is `sending`) and record the outcome: the
 * next attempt's due time, delivered, or failed. A delivery cut short by `signal` (shutdown) is
 * given back without counting.
 */
export async function deliverCallback(
  job: Job,
  deps: { store: JobStore; sender: CallbackSender; logger: Logger; clock: () => Date },
  settings: CallbackDeliverySettings,
  signal: AbortSignal,
): Promise<void> {
  const { callback, callbackUrl } = job;
  if (callback?.kind !== 'sending' || callbackUrl === undefined) return;
  const body = JSON.stringify(jobView(job));
  const outcome = await deps.sender.send(
    { url: callbackUrl, jobId: job.id, attempt: callback.attempts, body },
    signal,
  );
  const event = deliveryEvent(outcome, signal.aborted, deps.clock(), {
    maxAttempts: settings.maxAttempts,
    backoffMs: settings.backoffMs,
  });
  const written = await deps.store.transitionCallback(job, event);
  const log = { job: job.id, attempt: callback.attempts };
  if (written === undefined) {
    deps.logger.warn(
      log,
      'callback claim lapsed before its delivery was recorded; it may be delivered twice',
    );
  } else if (written.callback?.kind === 'delivered') {
    deps.logger.info(log, 'job callback delivered');
  } else if (written.callback?.kind === 'failed') {
    deps.logger.warn({ ...log, reason: written.callback.error }, 'job callback failed; no more deliveries');
  } else if (!outcome.ok) {
    deps.logger.info({ ...log, reason: outcome.error }, 'job callback not delivered; it will be tried again');
  }
}
