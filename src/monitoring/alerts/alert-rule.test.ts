import { describe, expect, it } from 'vitest';
import { expectFerryError } from '../../../test/support/ferry-errors.js';
import { validateConfig } from '../../core/index.js';
import { alertRulesFrom, appliesTo, breaches, formatAction } from './alert-rule.js';

const alerts = (section: Record<string, unknown>) => validateConfig({ alerts: section }).alerts;
const rule = (overrides: Record<string, unknown> = {}) => ({
  name: 'drift',
  model: 'fraud',
  metric: 'drift.share',
  op: 'above',
  threshold: 0.5,
  ...overrides,
});

describe('alertRulesFrom', () => {
  it('reads rules with their defaults and actions', () => {
    const rules = alertRulesFrom(
      alerts({
        rules: [
          rule({ actions: ['webhook:ops', 'retrain'], forWindows: 3, severity: 'critical' }),
          rule({ name: 'age', model: '*', metric: 'drift.feature', feature: 'age' }),
        ],
        webhooks: { ops: { url: 'https://hooks.example.com/ferry' } },
        retrain: { command: ['python', 'retrain.py'] },
      }),
    );
    expect(rules).toEqual([
      {
        name: 'drift',
        model: 'fraud',
        metric: 'drift.share',
        feature: undefined,
        op: 'above',
        threshold: 0.5,
        forWindows: 3,
        severity: 'critical',
        actions: [{ kind: 'webhook', webhook: 'ops' }, { kind: 'retrain' }],
      },
      {
        name: 'age',
        model: '*',
        metric: 'drift.feature',
        feature: 'age',
        op: 'above',
        threshold: 0.5,
        forWindows: 1,
        severity: 'warning',
        actions: [],
      },
    ]);
    expect(rules[0]!.actions.map(formatAction)).toEqual(['webhook:ops', 'retrain']);
  });

  it('refuses two rules with the same name', async () => {
    await expectFerryError(
      () => alertRulesFrom(alerts({ rules: [rule(), rule()] })),
      'INVALID_CONFIG',
      "the rule name 'drift' is used twice",
    );
  });

  it('needs a feature exactly for drift.feature', async () => {
    await expectFerryError(
      () => alertRulesFrom(alerts({ rules: [rule({ metric: 'drift.feature' })] })),
      'INVALID_CONFIG',
      'names no feature',
    );
    await expectFerryError(
      () => alertRulesFrom(alerts({ rules: [rule({ feature: 'age' })] })),
      'INVALID_CONFIG',
      'only drift.feature rules take',
    );
  });

  it('refuses an action naming an undefined webhook, and retrain without a url or command', async () => {
    await expectFerryError(
      () =>
        alertRulesFrom(
          alerts({
            rules: [rule({ actions: ['webhook:pager'] })],
            webhooks: { ops: { url: 'https://x.example' } },
          }),
        ),
      'INVALID_CONFIG',
      "names webhook 'pager', which alerts.webhooks does not define (it defines ops)",
    );
    await expectFerryError(
      () => alertRulesFrom(alerts({ rules: [rule({ actions: ['retrain'] })] })),
      'INVALID_CONFIG',
      'neither alerts.retrain.url nor alerts.retrain.command is set',
    );
  });

  it('leaves unknown metrics, operators and action forms to the schema', async () => {
    await expectFerryError(
      () => alerts({ rules: [rule({ metric: 'drift.total' })] }),
      'INVALID_CONFIG',
      'metric',
    );
    await expectFerryError(() => alerts({ rules: [rule({ op: 'over' })] }), 'INVALID_CONFIG', 'op');
    await expectFerryError(
      () => alerts({ rules: [rule({ actions: ['email:ops'] })] }),
      'INVALID_CONFIG',
      'actions',
    );
    await expectFerryError(
      () => alerts({ rules: [rule({ forWindows: 0 })] }),
      'INVALID_CONFIG',
      'forWindows',
    );
  });
});

describe('breaches and appliesTo', () => {
  it('compares strictly, and a rule on * applies to every model', () => {
    expect(breaches({ op: 'above', threshold: 1 }, 1.5)).toBe(true);
    expect(breaches({ op: 'above', threshold: 1 }, 1)).toBe(false);
    expect(breaches({ op: 'below', threshold: 1 }, 0.5)).toBe(true);
    expect(appliesTo({ model: '*' }, 'any')).toBe(true);
    expect(appliesTo({ model: 'fraud' }, 'fraud')).toBe(true);
    expect(appliesTo({ model: 'fraud' }, 'churn')).toBe(false);
  });
});
