import type { Command } from 'commander';
import { FerryError } from '../../core/index.js';
import type { DatasetFormat, DriftReport, FeatureSummary, ReferenceView } from '../../client/index.js';
// Deep imports on purpose: the registry and monitoring barrels load the database drivers, and
// `--server` calls should start fast without them.
import { parseModelRef } from '../../registry/model-ref.js';
import { datasetFormatOfPath } from '../../monitoring/profiles/reference-dataset.js';
import { withApi, type TargetOptions } from '../api-target.js';
import { printFields, printJson, printTable, type OutputOptions } from '../output.js';

type GlobalOptions = TargetOptions & OutputOptions;

/** Split `name`, `name@alias` or `name:version` into the model and the ref text the API takes. */
function modelAndRef(text: string): { model: string; ref: string | undefined } {
  const { model, ref } = parseModelRef(text);
  return {
    model,
    ref: ref.kind === 'number' ? String(ref.version) : ref.kind === 'alias' ? ref.alias : undefined,
  };
}

/** A number for a table: at most 4 significant digits, '-' when absent. */
const num = (value: number | null | undefined): string =>
  value === null || value === undefined ? '-' : String(Number(value.toPrecision(4)));

const verdictOf = (drifted: boolean | null): string => (drifted === null ? '-' : drifted ? 'DRIFT' : 'ok');

/** Print a drift report for people: what was compared, one row per feature, then the verdict. */
export function printDriftReport(report: DriftReport): void {
  printFields([
    ['model', `${report.model} version ${report.version}`],
    [
      'window',
      `${report.window.start} – ${report.window.end} (${report.window.windows} window${report.window.windows === 1 ? '' : 's'}), ${report.rows} predictions`,
    ],
    [
      'reference',
      report.reference === null
        ? '(none)'
        : `${report.reference.source}, ${report.reference.rows} rows (${report.reference.createdAt})`,
    ],
  ]);
  const features = Object.entries(report.features);
  if (features.length > 0) {
    process.stdout.write('\n');
    printTable(
      [
        'feature',
        'source',
        'kind',
        'method',
        'score',
        'threshold',
        'drift',
        'psi',
        'jensen-shannon',
        'wasserstein',
        'rows',
      ],
      features.map(([name, drift]) => [
        name,
        drift.source,
        drift.kind,
        drift.method,
        num(drift.score),
        `${drift.method === 'wasserstein' || drift.method === 'jensen-shannon' ? '>=' : '<'} ${drift.threshold}`,
        verdictOf(drift.drifted),
        num(drift.psi),
        num(drift.jensenShannon),
        num(drift.wasserstein),
        drift.currentRows,
      ]),
    );
  }
  process.stdout.write('\n');
  const { dataset } = report;
  if (dataset !== null && dataset.drifted !== null) {
    process.stdout.write(
      `dataset: ${dataset.driftedFeatures.length} of ${dataset.evaluatedFeatures} input features drift (share ${num(dataset.share)}, drift from ${dataset.threshold})` +
        (dataset.driftedFeatures.length > 0 ? `: ${dataset.driftedFeatures.join(', ')}` : '') +
        '\n',
    );
  }
  process.stdout.write(`verdict: ${report.verdict}\n`);
  for (const note of report.notes) process.stdout.write(`note: ${note}\n`);
}

function summaryRow(name: string, summary: FeatureSummary): (string | number)[] {
  if (summary.kind === 'numeric') {
    return [
      name,
      summary.source,
      summary.kind,
      summary.count,
      summary.missing,
      `${num(summary.min)} … ${num(summary.max)}`,
      `${num(summary.mean)} ± ${num(summary.std)}`,
      `${num(summary.quantiles.p5)} / ${num(summary.quantiles.p50)} / ${num(summary.quantiles.p95)}`,
    ];
  }
  const top = summary.topK
    .slice(0, 3)
    .map((entry) => `${entry.category} ${(entry.frequency * 100).toFixed(0)}%`)
    .join(', ');
  return [
    name,
    summary.source,
    summary.kind,
    summary.count,
    summary.missing,
    `${summary.distinct} categories`,
    top,
    '',
  ];
}

/** Print a reference profile's summary for people. */
export function printReference(view: ReferenceView): void {
  printFields([
    ['model', `${view.model} version ${view.version}`],
    ['source', `${view.source} (${view.digest.slice(0, 19)}…), ${view.rows} rows`],
    ['created', `${view.createdAt} by ${view.createdBy}`],
  ]);
  process.stdout.write('\n');
  printTable(
    ['feature', 'source', 'kind', 'count', 'missing', 'range', 'mean ± std / top', 'p5 / p50 / p95'],
    Object.entries(view.features).map(([name, summary]) => summaryRow(name, summary)),
  );
  for (const note of view.notes) process.stdout.write(`note: ${note}\n`);
}

/** The format of a dataset file: `--format`, else its extension. */
export function datasetFormat(file: string, format: string | undefined): DatasetFormat {
  if (format !== undefined) {
    if (format !== 'csv' && format !== 'ndjson')
      throw new FerryError('INVALID_ARGUMENT', `--format is csv or ndjson, not '${format}'`);
    return format;
  }
  const guessed = datasetFormatOfPath(file);
  if (guessed === undefined) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `cannot tell the format of ${file} from its name; name it .csv or .ndjson, or pass --format csv|ndjson`,
    );
  }
  return guessed;
}

/** `ferry monitor …`: drift reports and reference profiles. */
export function registerMonitorCommand(program: Command): void {
  // The group is shared with monitor-performance-command.ts: whichever registers first makes it.
  const monitor =
    program.commands.find((command) => command.name() === 'monitor') ??
    program.command('monitor').description('watch live models: drift, performance and fairness per window');

  monitor
    .command('drift')
    .description('drift of a version: its live profiles in a window against its reference profile')
    .argument('<ref>', 'NAME (its default version), NAME@alias or NAME:version')
    .option('--window <window>', 'current (default), last, or <ISO start>/<ISO end>')
    .option('--windows <n>', 'with current or last: how many monitoring windows back (default 1)')
    .action(async (text: string, options: { window?: string; windows?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { model, ref } = modelAndRef(text);
      const report = await withApi(globals, (api) =>
        api.getDrift(model, { version: ref, window: options.window, windows: options.windows }),
      );
      if (globals.json) return printJson(report);
      printDriftReport(report);
    });

  monitor
    .command('reference')
    .description("show a version's reference profile, or attach one from a dataset file (CSV or NDJSON)")
    .argument('<ref>', 'NAME (its default version), NAME@alias or NAME:version')
    .argument('[file]', 'reference dataset to attach: CSV with a header row, or NDJSON')
    .option('--format <format>', 'csv or ndjson (default: from the file name)')
    .option('--source <name>', 'name stored with the profile (default: the file name)')
    .option('--remove', "remove the version's reference profile")
    .action(
      async (
        text: string,
        file: string | undefined,
        options: { format?: string; source?: string; remove?: boolean },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const { model, ref } = modelAndRef(text);
        if (options.remove === true) {
          if (file !== undefined) {
            throw new FerryError(
              'INVALID_ARGUMENT',
              'give either a dataset file to attach or --remove, not both',
            );
          }
          await withApi(globals, (api) => api.deleteReference(model, ref));
          if (globals.json) return printJson({ removed: true, model, ref: ref ?? null });
          process.stdout.write(`removed the reference profile of ${text}\n`);
          return;
        }
        const view = await withApi(globals, (api) =>
          file === undefined
            ? api.getReference(model, ref)
            : api.putReference({
                model,
                ref,
                file,
                format: datasetFormat(file, options.format),
                source: options.source,
              }),
        );
        if (globals.json) return printJson(view);
        printReference(view);
      },
    );
}
