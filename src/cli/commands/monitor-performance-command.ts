import type { Command } from 'commander';
import type {
  FairnessView,
  PerformanceMetrics,
  PerformanceReport,
  ReportScopeRequest,
} from '../../client/index.js';
// Deep import on purpose: the registry barrel loads the database drivers, and `--server` calls
// should start fast without them.
import { parseModelRef } from '../../registry/model-ref.js';
import { withApi, type TargetOptions } from '../api-target.js';
import { printFields, printJson, printTable, type OutputOptions } from '../output.js';

type GlobalOptions = TargetOptions & OutputOptions;

interface ScopeOptions {
  window?: string;
  positiveClass?: string;
}

/**
 * The `ferry monitor` command group, shared by the files that add subcommands to it (drift in
 * monitor-command.ts, performance and fairness here): the existing one, or a new one.
 */
export function monitorCommand(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'monitor') ??
    program.command('monitor').description('watch live models: drift, performance and fairness per window')
  );
}

/** The model and version a reference names: `NAME` (every version), `NAME:3`, `NAME@alias`. */
function scopeOf(ref: string, options: ScopeOptions): ReportScopeRequest {
  const { model, ref: version } = parseModelRef(ref);
  return {
    model,
    version:
      version.kind === 'default'
        ? undefined
        : version.kind === 'number'
          ? String(version.version)
          : version.alias,
    window: options.window,
    positiveClass: options.positiveClass,
  };
}

/** A metric for people: 4 decimals at most, `-` when undefined. */
const num = (value: number | null | undefined): string =>
  value === null || value === undefined ? '-' : String(Number(value.toFixed(4)));

const versionsText = (report: { version: number | null; versions: number[] }): string =>
  report.version !== null
    ? `version ${report.version}`
    : report.versions.length === 0
      ? 'every version (none logged in the window)'
      : `every version logged in the window (${report.versions.join(', ')})`;

const METRIC_COLUMNS = {
  classification: [
    ['accuracy', 'accuracy'],
    ['precision', 'precision'],
    ['recall', 'recall'],
    ['f1', 'f1'],
    ['roc auc', 'rocAuc'],
    ['log loss', 'logLoss'],
  ],
  regression: [
    ['mae', 'mae'],
    ['rmse', 'rmse'],
  ],
} as const;

function metricValues(task: PerformanceReport['task'], metrics: PerformanceMetrics): string[] {
  const values = metrics as unknown as Record<string, number | null>;
  return METRIC_COLUMNS[task].map(([, key]) => num(values[key]));
}

function printPerformance(report: PerformanceReport): void {
  const averaging =
    report.task === 'classification'
      ? report.positiveClass === null
        ? '; precision, recall and F1 are macro averages'
        : `; precision, recall and F1 of class '${report.positiveClass}'`
      : '';
  printFields([
    ['model', `${report.model}, ${versionsText(report)}`],
    ['window', `${report.window.start} – ${report.window.end}`],
    ['task', `${report.task} (prediction: ${report.prediction}${averaging})`],
    ['rows', `${report.rows} logged, ${report.rowsWithFeedback} with feedback`],
    [
      'verdict',
      report.verdict === 'ok'
        ? 'ok'
        : `not enough data (${report.rowsWithFeedback} rows with feedback; ${report.minRows} needed, monitoring.minWindowRows)`,
    ],
  ]);
  process.stdout.write('\n');
  const columns = METRIC_COLUMNS[report.task];
  printTable(
    ['metric', 'value'],
    columns.map(([name], index) => [name, metricValues(report.task, report.metrics)[index] ?? '-']),
  );
  for (const slice of report.slices ?? []) {
    process.stdout.write(`\nby ${slice.feature}\n`);
    printTable(
      [slice.feature, 'rows', ...columns.map(([name]) => name), 'verdict'],
      slice.groups.map((group) => [
        group.value ?? group.bucket ?? '',
        group.rows,
        ...metricValues(report.task, group.metrics),
        group.verdict,
      ]),
    );
  }
  for (const note of report.notes ?? []) process.stdout.write(`note: ${note}\n`);
}

function printFairness(view: FairnessView): void {
  const fourFifths =
    view.fourFifthsRuleViolated === null
      ? '- (no verdict)'
      : view.fourFifthsRuleViolated
        ? 'violated (demographic parity ratio below 0.8)'
        : 'met';
  printFields([
    ['model', `${view.model}, ${versionsText(view)}`],
    ['window', `${view.window.start} – ${view.window.end}`],
    ['sensitive feature', view.sensitiveFeature],
    ['positive class', `${view.positiveClass} (prediction: ${view.prediction})`],
    [
      'rows',
      `${view.rows} logged, ${view.rowsWithFeedback} with feedback${view.rowsMissingFeature > 0 ? `, ${view.rowsMissingFeature} without ${view.sensitiveFeature}` : ''}`,
    ],
    [
      'verdict',
      view.verdict === 'ok'
        ? 'ok'
        : `not enough data (needs ${view.minRows} rows and two groups of ${view.minGroupSize})`,
    ],
  ]);
  process.stdout.write('\n');
  const anyExcluded = view.excludedGroups.length > 0;
  printTable(
    ['group', 'rows', 'selection rate', 'with feedback', 'TPR', 'FPR', ...(anyExcluded ? [''] : [])],
    view.groups.map((group) => [
      group.group,
      group.rows,
      num(group.selectionRate),
      group.rowsWithFeedback,
      num(group.tpr),
      num(group.fpr),
      ...(anyExcluded ? [group.excluded ? `excluded (fewer than ${view.minGroupSize} rows)` : ''] : []),
    ]),
  );
  process.stdout.write('\n');
  printFields([
    ['demographic parity difference', num(view.demographicParityDifference)],
    ['demographic parity ratio', num(view.demographicParityRatio)],
    ['equalized odds difference', num(view.equalizedOddsDifference)],
    ['four-fifths rule', fourFifths],
  ]);
  for (const note of view.notes ?? []) process.stdout.write(`note: ${note}\n`);
}

const REF_HELP = 'NAME (every version logged in the window), NAME:version, or NAME@alias';
const WINDOW_HELP =
  'current (default), last, or <from>/<to> in ISO-8601 (e.g. 2024-05-01T00:00Z/2024-05-02T00:00Z)';

/** `ferry monitor performance` and `ferry monitor fairness`: live metrics and group fairness. */
export function registerMonitorPerformanceCommands(program: Command): void {
  const monitor = monitorCommand(program);

  monitor
    .command('performance')
    .description('live accuracy, precision, recall, F1, ROC AUC, log loss (or MAE, RMSE) from feedback')
    .argument('<ref>', REF_HELP)
    .option('--window <window>', WINDOW_HELP)
    .option('--slice <feature>', 'also by the groups of this feature (default: monitoring.sliceFeatures)')
    .option(
      '--positive-class <class>',
      'precision, recall and F1 of this class (default: monitoring.positiveClass)',
    )
    .action(async (ref: string, options: ScopeOptions & { slice?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const report = await withApi(globals, (api) =>
        api.performance({ ...scopeOf(ref, options), slice: options.slice }),
      );
      if (globals.json) return printJson(report);
      printPerformance(report);
    });

  monitor
    .command('fairness')
    .description('selection rate per group, demographic parity, equalized odds and the four-fifths rule')
    .argument('<ref>', REF_HELP)
    .option('--window <window>', WINDOW_HELP)
    .option('--feature <feature>', 'the sensitive feature (default: monitoring.sensitiveFeature)')
    .option('--positive-class <class>', 'the favourable class (default: monitoring.positiveClass)')
    .action(async (ref: string, options: ScopeOptions & { feature?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const view = await withApi(globals, (api) =>
        api.fairness({ ...scopeOf(ref, options), feature: options.feature }),
      );
      if (globals.json) return printJson(view);
      printFairness(view);
    });
}
