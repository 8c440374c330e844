import { describe, expect, it } from 'vitest';
import { expectFerryError } from '../../../test/support/ferry-errors.js';
import { createLogger, validateConfig } from '../../core/index.js';
import { alertChannelsFrom } from './alert-channels.js';

const deps = (env: NodeJS.ProcessEnv = {}) => ({
  logger: createLogger('silent'),
  clock: () => new Date(),
  env,
  exporter: undefined,
});
const channels = (alerts: Record<string, unknown>, env: NodeJS.ProcessEnv = {}) =>
  alertChannelsFrom(validateConfig({ dataDir: '/tmp/ferry-data', alerts }), deps(env));

describe('alertChannelsFrom', () => {
  it('makes a channel per webhook and one for retraining, taking the secret from the environment', () => {
    const made = channels(
      {
        webhooks: {
          ops: { url: 'https://hooks.example.com/a', secretEnv: 'OPS_SECRET', attempts: 2 },
          audit: { url: 'https://audit.example.com/b' },
        },
        retrain: { command: ['python', 'retrain.py'] },
      },
      { OPS_SECRET: 'from-env' },
    );
    expect([...made.keys()]).toEqual(['webhook:ops', 'webhook:audit', 'retrain']);
    expect(made.get('webhook:ops')?.settings).toMatchObject({
      secret: 'from-env',
      attempts: 2,
      backoffMs: 1000,
      timeoutMs: 5000,
    });
    expect(made.get('webhook:audit')?.settings).toMatchObject({ secret: undefined });
    expect(made.get('retrain')?.settings).toMatchObject({
      exportsDir: '/tmp/ferry-data/exports',
      attempts: 3,
    });
  });

  it('refuses a secretEnv that is not set, and both secret and secretEnv', async () => {
    await expectFerryError(
      () => channels({ webhooks: { ops: { url: 'https://x.example', secretEnv: 'MISSING' } } }),
      'INVALID_CONFIG',
      'alerts.webhooks.ops.secretEnv names the environment variable MISSING, which is not set',
    );
    await expectFerryError(
      () =>
        channels(
          { webhooks: { ops: { url: 'https://x.example', secret: 'a', secretEnv: 'B' } } },
          { B: 'b' },
        ),
      'INVALID_CONFIG',
      'sets both secret and secretEnv',
    );
  });

  it('refuses loopback URLs unless alerts.allowLoopbackWebhooks, and metadata addresses always', async () => {
    await expectFerryError(
      () => channels({ webhooks: { local: { url: 'http://127.0.0.1:9000/hook' } } }),
      'INVALID_CONFIG',
      'alerts.webhooks.local.url: callback URL',
    );
    const message = (
      await expectFerryError(
        () => channels({ retrain: { url: 'http://localhost/retrain' } }),
        'INVALID_CONFIG',
      )
    ).message;
    expect(message).toContain('allow it with alerts.allowLoopbackWebhooks');
    expect(
      channels({ allowLoopbackWebhooks: true, webhooks: { local: { url: 'http://127.0.0.1:9000/hook' } } })
        .size,
    ).toBe(1);
    await expectFerryError(
      () =>
        channels({
          allowLoopbackWebhooks: true,
          webhooks: { meta: { url: 'http://169.254.169.254/latest' } },
        }),
      'INVALID_CONFIG',
      'metadata',
    );
  });

  it('refuses a retraining trigger with both a url and a command', async () => {
    await expectFerryError(
      () => channels({ retrain: { url: 'https://ml.example.com', command: ['true'] } }),
      'INVALID_CONFIG',
      'sets both url and command',
    );
  });
});
