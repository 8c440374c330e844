import { FerryError, type FerryConfig } from '../../core/index.js';
import type { MetricName } from './metric-source.js';

/** How bad a firing alert is. */
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** What a rule does when it fires: notify a webhook (also on resolution), or trigger retraining. */
export type AlertAction =
  { readonly kind: 'webhook'; readonly webhook: string } | { readonly kind: 'retrain' };

/** One alert rule: a metric of a model compared with a threshold in each window. */
export interface AlertRule {
  /** Unique among the rules. */
  readonly name: string;
  /** A model name, or `*` for every model in the registry. */
  readonly model: string;
  readonly metric: MetricName;
  /** The feature of a `drift.feature` rule. */
  readonly feature: string | undefined;
  /** `above`: a window breaches when value > threshold; `below`: when value < threshold. */
  readonly op: 'above' | 'below';
  readonly threshold: number;
  /** Consecutive breaching windows before the alert fires (1 fires on the first). */
  readonly forWindows: number;
  readonly severity: AlertSeverity;
  readonly actions: readonly AlertAction[];
}

/** A rule as configured (`alerts.rules[]`). */
export type AlertRuleConfig = FerryConfig['alerts']['rules'][number];

/** Does `value` breach `rule`? (Strict: a value equal to the threshold does not.) */
export function breaches(rule: Pick<AlertRule, 'op' | 'threshold'>, value: number): boolean {
  return rule.op === 'above' ? value > rule.threshold : value < rule.threshold;
}

/** Does `rule` apply to `model`? */
export function appliesTo(rule: Pick<AlertRule, 'model'>, model: string): boolean {
  return rule.model === '*' || rule.model === model;
}

/** An action as configured: `webhook:<name>` or `retrain`. */
export function formatAction(action: AlertAction): string {
  return action.kind === 'webhook' ? `webhook:${action.webhook}` : 'retrain';
}

const invalid = (message: string): FerryError => new FerryError('INVALID_CONFIG', message);

function parseAction(text: string, where: string, config: FerryConfig['alerts']): AlertAction {
  if (text === 'retrain') {
    const { url, command } = config.retrain;
    if (url === '' && command.length === 0) {
      throw invalid(`${where} is 'retrain' but neither alerts.retrain.url nor alerts.retrain.command is set`);
    }
    return { kind: 'retrain' };
  }
  const webhook = text.slice('webhook:'.length);
  if (!text.startsWith('webhook:') || webhook === '') {
    throw invalid(`${where} is '${text}'; an action is 'webhook:<name>' or 'retrain'`);
  }
  if (!Object.hasOwn(config.webhooks, webhook)) {
    const known = Object.keys(config.webhooks);
    throw invalid(
      `${where} names webhook '${webhook}', which alerts.webhooks does not define` +
        (known.length === 0 ? '' : ` (it defines ${known.join(', ')})`),
    );
  }
  return { kind: 'webhook', webhook };
}

function parseRule(rule: AlertRuleConfig, index: number, config: FerryConfig['alerts']): AlertRule {
  const where = `alerts.rules[${index}] ('${rule.name}')`;
  if (rule.metric === 'drift.feature' && rule.feature === undefined) {
    throw invalid(`${where} watches drift.feature but names no feature; add feature: <name>`);
  }
  if (rule.metric !== 'drift.feature' && rule.feature !== undefined) {
    throw invalid(`${where} names a feature, which only drift.feature rules take`);
  }
  if (!Number.isFinite(rule.threshold)) throw invalid(`${where} has a threshold that is not a finite number`);
  const actions = rule.actions.map((text, i) => parseAction(text, `${where}.actions[${i}]`, config));
  return {
    name: rule.name,
    model: rule.model,
    metric: rule.metric,
    feature: rule.feature,
    op: rule.op,
    threshold: rule.threshold,
    forWindows: rule.forWindows,
    severity: rule.severity,
    actions,
  };
}

/**
 * The configured alert rules, checked beyond the schema: unique names, a feature exactly for
 * `drift.feature`, and actions that name a defined webhook or a configured retraining trigger.
 * Throws INVALID_CONFIG naming the rule.
 */
export function alertRulesFrom(config: FerryConfig['alerts']): AlertRule[] {
  const seen = new Set<string>();
  return config.rules.map((rule, index) => {
    if (seen.has(rule.name)) {
      throw invalid(`alerts.rules[${index}]: the rule name '${rule.name}' is used twice; names are unique`);
    }
    seen.add(rule.name);
    return parseRule(rule, index, config);
  });
}
