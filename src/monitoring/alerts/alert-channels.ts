import { join, resolve } from 'node:path';
import { FERRY_VERSION, FerryError, isFerryError, type FerryConfig, type Logger } from '../../core/index.js';
import { checkCallbackUrl, HttpCallbackSender, type CallbackUrlPolicy } from '../../jobs/index.js';
import type { AlertChannel } from './alert-channel.js';
import { RetrainChannel, type RetrainTarget } from './retrain/retrain-channel.js';
import type { TrainingSetExporter } from './retrain/training-set-exporter.js';
import { WebhookChannel } from './webhook/webhook-channel.js';

/** The setting that allows loopback webhook and retrain URLs. */
const LOOPBACK_SETTING = 'alerts.allowLoopbackWebhooks';

const invalid = (message: string, cause?: unknown): FerryError =>
  new FerryError('INVALID_CONFIG', message, cause === undefined ? undefined : { cause });

/**
 * The signing key of a webhook or of the retrain URL: `secret` written in the configuration, or
 * the environment variable `secretEnv` names (preferred: the key stays out of the file and out of
 * `ferry config print`). Undefined when neither is given (notices go unsigned).
 */
export function resolveSecret(
  where: string,
  given: { secret?: string | undefined; secretEnv?: string | undefined },
  env: NodeJS.ProcessEnv,
): string | undefined {
  const secret = given.secret === '' ? undefined : given.secret;
  const secretEnv = given.secretEnv === '' ? undefined : given.secretEnv;
  if (secret !== undefined && secretEnv !== undefined) {
    throw invalid(`${where} sets both secret and secretEnv; keep secretEnv`);
  }
  if (secretEnv === undefined) return secret;
  const value = env[secretEnv];
  if (value === undefined || value === '') {
    throw invalid(
      `${where}.secretEnv names the environment variable ${secretEnv}, which is not set or empty`,
    );
  }
  return value;
}

function checkUrl(where: string, url: string, policy: CallbackUrlPolicy): void {
  try {
    checkCallbackUrl(url, policy);
  } catch (error) {
    const reason = isFerryError(error) ? error.message : String(error);
    throw invalid(`${where}: ${reason}`, error);
  }
}

/** What the channels need besides the configuration. */
export interface AlertChannelDeps {
  readonly logger: Logger;
  readonly clock: () => Date;
  readonly env: NodeJS.ProcessEnv;
  readonly exporter: TrainingSetExporter | undefined;
}

/**
 * The alert channels of a configuration, by the name rules use: `webhook:<name>` for each
 * webhook, and `retrain` when `alerts.retrain` has a URL or a command. URLs are checked by the
 * callback address guard now (a loopback URL needs alerts.allowLoopbackWebhooks; link-local and
 * metadata addresses are refused) and again, with every address the host resolves to, at each
 * delivery. Throws INVALID_CONFIG naming the key.
 */
export function alertChannelsFrom(config: FerryConfig, deps: AlertChannelDeps): Map<string, AlertChannel> {
  const settings = config.alerts;
  const policy: CallbackUrlPolicy = {
    allowLoopback: settings.allowLoopbackWebhooks,
    loopbackSetting: LOOPBACK_SETTING,
  };
  const sender = (timeoutMs: number, timeoutSetting: string) =>
    new HttpCallbackSender({
      ...policy,
      timeoutMs,
      timeoutSetting,
      userAgent: `ferry/${FERRY_VERSION}`,
    });
  const channels = new Map<string, AlertChannel>();
  for (const [name, webhook] of Object.entries(settings.webhooks)) {
    const where = `alerts.webhooks.${name}`;
    checkUrl(`${where}.url`, webhook.url, policy);
    const secret = resolveSecret(where, webhook, deps.env);
    if (secret === undefined) {
      deps.logger.warn(
        { webhook: name },
        `${where} has no secret: its notifications are sent without x-ferry-signature`,
      );
    }
    const channel = new WebhookChannel(
      {
        name,
        url: webhook.url,
        secret,
        attempts: webhook.attempts,
        backoffMs: webhook.backoffMs,
        timeoutMs: webhook.timeoutMs,
      },
      sender(webhook.timeoutMs, `${where}.timeoutMs`),
    );
    channels.set(channel.name, channel);
  }
  const retrain = settings.retrain;
  let target: RetrainTarget | undefined;
  if (retrain.url !== '' && retrain.command.length > 0) {
    throw invalid('alerts.retrain sets both url and command; a retraining trigger uses one of them');
  }
  if (retrain.url !== '') {
    checkUrl('alerts.retrain.url', retrain.url, policy);
    target = { kind: 'url', url: retrain.url, secret: resolveSecret('alerts.retrain', retrain, deps.env) };
  } else if (retrain.command.length > 0) {
    target = { kind: 'command', command: retrain.command };
  }
  if (target !== undefined) {
    const channel = new RetrainChannel(
      {
        target,
        attempts: retrain.attempts,
        backoffMs: retrain.backoffMs,
        timeoutMs: retrain.timeoutMs,
        exportsDir: join(resolve(config.dataDir), 'exports'),
        exportRows: retrain.exportRows,
        exportWindowMs: retrain.exportWindowMs,
      },
      {
        sender: sender(retrain.timeoutMs, 'alerts.retrain.timeoutMs'),
        exporter: deps.exporter,
        clock: deps.clock,
      },
    );
    channels.set(channel.name, channel);
  }
  return channels;
}
