import type { CallbackSender } from '../../../jobs/index.js';
import {
  httpOutcome,
  type AlertChannel,
  type AlertChannelSettings,
  type ChannelOutcome,
} from '../alert-channel.js';
import type { AlertDelivery } from '../alert-records.js';
import { SIGNATURE_HEADER, signBody } from '../alert-signature.js';
import { ensureManifest, type RetrainManifestSettings } from './retrain-manifest.js';
import { runCommand } from './run-command.js';
import type { TrainingSetExporter } from './training-set-exporter.js';

/** Where the retraining trigger goes: a pipeline URL, or a command. */
export type RetrainTarget =
  | { readonly kind: 'url'; readonly url: string; readonly secret: string | undefined }
  | { readonly kind: 'command'; readonly command: readonly string[] };

/** Settings of the retraining trigger (`alerts.retrain`). */
export interface RetrainSettings extends AlertChannelSettings, RetrainManifestSettings {
  readonly target: RetrainTarget;
}

/** The channel name rules use for the retraining trigger. */
export const RETRAIN_CHANNEL = 'retrain';

/**
 * The retraining trigger: builds the manifest of a firing alert once (with its training-set
 * export under `<dataDir>/exports/<id>/`), then POSTs it to the pipeline URL, signed like a
 * webhook with `x-ferry-event: retrain.requested`, or runs the command (no shell) with the
 * manifest path as its last argument and `FERRY_RETRAIN_MANIFEST` set to it; exit code 0 counts as
 * delivered. A failed export, a non-2xx answer or a non-zero exit is tried again with backoff.
 */
export class RetrainChannel implements AlertChannel {
  readonly name = RETRAIN_CHANNEL;

  constructor(
    readonly settings: RetrainSettings,
    private readonly deps: {
      readonly sender: CallbackSender;
      readonly exporter: TrainingSetExporter | undefined;
      readonly clock: () => Date;
    },
  ) {}

  async deliver(delivery: AlertDelivery, signal: AbortSignal): Promise<ChannelOutcome> {
    let manifest: { path: string; text: string };
    try {
      manifest = await ensureManifest(
        delivery.id,
        delivery.notice,
        this.settings,
        this.deps.exporter,
        this.deps.clock(),
      );
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: `building the retraining manifest failed: ${reason}`, retryable: true };
    }
    const { target } = this.settings;
    if (target.kind === 'url') {
      const headers: Record<string, string> = {
        'x-ferry-event': 'retrain.requested',
        'x-ferry-delivery': delivery.id,
      };
      if (target.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(target.secret, manifest.text);
      const outcome = await this.deps.sender.send(
        { url: target.url, attempt: delivery.state.attempts, body: manifest.text, headers },
        signal,
      );
      return httpOutcome(outcome);
    }
    const result = await runCommand([...target.command, manifest.path], {
      timeoutMs: this.settings.timeoutMs,
      signal,
      env: { ...process.env, FERRY_RETRAIN_MANIFEST: manifest.path },
    });
    const tail = (stderr: string) => (stderr === '' ? '' : `: ${stderr.slice(-500)}`);
    switch (result.kind) {
      case 'exited':
        return result.code === 0
          ? { ok: true, outcome: 'exit code 0' }
          : {
              ok: false,
              error: `the retrain command exited with code ${result.code}${tail(result.stderr)}`,
              retryable: true,
            };
      case 'signalled':
        return {
          ok: false,
          error: result.timedOut
            ? `the retrain command did not finish within ${this.settings.timeoutMs} ms (alerts.retrain.timeoutMs) and was stopped`
            : `the retrain command was stopped by ${result.signal}${tail(result.stderr)}`,
          retryable: true,
        };
      case 'not-started':
        return {
          ok: false,
          error: `cannot run the retrain command '${target.command[0] ?? ''}' (${result.error}); check alerts.retrain.command`,
          retryable: false,
        };
    }
  }
}
