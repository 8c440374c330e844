import type { Command } from 'commander';
import { FerryError } from '../../core/index.js';
import type { AlertEventView, AlertStateKind, AlertStatusView } from '../../client/index.js';
import { withApi, type TargetOptions } from '../api-target.js';
import { printJson, printTable, type OutputOptions } from '../output.js';

type GlobalOptions = TargetOptions & OutputOptions;

const STATES: readonly AlertStateKind[] = ['inactive', 'pending', 'firing', 'resolved'];

function stateOption(text: string | undefined): AlertStateKind | undefined {
  if (text === undefined) return undefined;
  const state = STATES.find((candidate) => candidate === text);
  if (state === undefined) {
    throw new FerryError('INVALID_ARGUMENT', `--state takes ${STATES.join(', ')}, not '${text}'`);
  }
  return state;
}

function limitOption(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const limit = Number(text);
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 1000) {
    throw new FerryError('INVALID_ARGUMENT', `--limit takes a number from 1 to 1000, not '${text}'`);
  }
  return limit;
}

const metricOf = (alert: { metric: string; feature?: string }): string =>
  alert.feature === undefined ? alert.metric : `${alert.metric}(${alert.feature})`;
const valueText = (value: number | null): string =>
  value === null ? '-' : String(Number(value.toPrecision(6)));
const windowText = (window: { start: string; end: string }): string => `${window.start} – ${window.end}`;

function printStates(alerts: readonly AlertStatusView[]): void {
  printTable(
    ['rule', 'model', 'state', 'severity', 'metric', 'value', 'threshold', 'since', 'last window'],
    alerts.map((alert) => [
      alert.rule,
      alert.model,
      alert.state === 'pending' ? `pending ${alert.breaches}/${alert.forWindows}` : alert.state,
      alert.severity,
      metricOf(alert),
      valueText(alert.value),
      `${alert.op} ${alert.threshold}`,
      alert.since ?? '',
      windowText(alert.window),
    ]),
  );
}

function printEvents(events: readonly AlertEventView[]): void {
  printTable(
    ['at', 'rule', 'model', 'change', 'metric', 'value', 'threshold', 'window', 'notifications'],
    events.map((event) => [
      event.at,
      event.rule,
      event.version === null ? event.model : `${event.model}:${event.version}`,
      `${event.from} → ${event.to}`,
      metricOf(event),
      valueText(event.value),
      `${event.op} ${event.threshold}`,
      windowText(event.window),
      event.deliveries.map((delivery) => `${delivery.channel} ${delivery.state}`).join(', '),
    ]),
  );
}

/** `ferry alerts …`: current alert states, their history and the configured rules. */
export function registerAlertsCommand(program: Command): void {
  const alerts = program
    .command('alerts')
    .description('list alert states, their history and the alert rules');

  alerts
    .command('list')
    .description('current state of each alert rule per model (inactive, pending, firing, resolved)')
    .option('--state <state>', 'only alerts in this state: inactive, pending, firing or resolved')
    .option('--model <model>', 'only alerts of this model')
    .option('--rule <rule>', 'only alerts of this rule')
    .action(async (options: { state?: string; model?: string; rule?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const query = { state: stateOption(options.state), model: options.model, rule: options.rule };
      const list = await withApi(globals, (api) => api.listAlerts(query));
      if (globals.json) return printJson(list);
      printStates(list);
    });

  alerts
    .command('history')
    .description('changes of alert state, newest first, with their notifications')
    .option('--rule <rule>', 'only changes of this rule')
    .option('--model <model>', 'only changes of this model')
    .option('--limit <n>', 'most changes shown (default 100, at most 1000)')
    .action(async (options: { rule?: string; model?: string; limit?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const query = { rule: options.rule, model: options.model, limit: limitOption(options.limit) };
      const events = await withApi(globals, (api) => api.alertHistory(query));
      if (globals.json) return printJson(events);
      printEvents(events);
    });

  alerts
    .command('rules')
    .description('the configured alert rules (alerts.rules)')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const rules = await withApi(globals, (api) => api.alertRules());
      if (globals.json) return printJson(rules);
      printTable(
        ['rule', 'model', 'metric', 'threshold', 'for windows', 'severity', 'actions'],
        rules.map((rule) => [
          rule.name,
          rule.model,
          metricOf(rule),
          `${rule.op} ${rule.threshold}`,
          rule.forWindows,
          rule.severity,
          rule.actions.join(', '),
        ]),
      );
    });
}
