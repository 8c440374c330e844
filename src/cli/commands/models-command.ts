import { readFile } from 'node:fs/promises';
import { stat } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import { FerryError } from '../../core/index.js';
// Deep import on purpose: the registry barrel loads the database drivers, and `--server` calls
// should start fast without them.
import { parseModelRef } from '../../registry/model-ref.js';
import type {
  FeatureKind,
  Lineage,
  SignatureOverrides,
  TensorOverride,
  VersionRecord,
} from '../../registry/index.js';
import { withApi, type TargetOptions } from '../api-target.js';
import { datasetFormat } from './monitor-command.js'; // profiles (src/monitoring/profiles)
import { collect, parseLineage, parseTags } from '../key-values.js';
import { formatBytes, printFields, printJson, printTable, type OutputOptions } from '../output.js';

type GlobalOptions = TargetOptions & OutputOptions;

async function readTextFile(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    throw new FerryError('INVALID_ARGUMENT', `cannot read ${what} from ${path}: ${(error as Error).message}`);
  }
}

async function readJsonFile<T>(path: string, what: string): Promise<T> {
  const text = await readTextFile(path, what);
  try {
    return JSON.parse(text) as T;
  } catch (error) {
    throw new FerryError('INVALID_ARGUMENT', `cannot read ${what} from ${path}: ${(error as Error).message}`);
  }
}

/**
 * Merge a features file (`--features`) into the signature overrides: `{"<input>": {"names":
 * [...], "kinds": ["numeric" | "categorical", ...]}}` sets that input's `features` and
 * `featureKinds`. The registry checks the names and kinds against the model.
 */
export function mergeFeatures(
  signature: SignatureOverrides | undefined,
  features: unknown,
  path: string,
): SignatureOverrides {
  const isObject = (value: unknown): value is Record<string, unknown> =>
    typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isObject(features)) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `${path} must be a JSON object like {"x": {"names": ["age", "city"], "kinds": ["numeric", "categorical"]}}`,
    );
  }
  const inputs: Record<string, TensorOverride> = { ...signature?.inputs };
  for (const [input, entry] of Object.entries(features)) {
    if (!isObject(entry) || Object.keys(entry).some((key) => key !== 'names' && key !== 'kinds')) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `${path}: the entry of input '${input}' must be {"names": [...], "kinds": [...]} (both optional)`,
      );
    }
    inputs[input] = {
      ...inputs[input],
      ...(entry.names === undefined ? {} : { features: entry.names as string[] }),
      ...(entry.kinds === undefined ? {} : { featureKinds: entry.kinds as FeatureKind[] }),
    };
  }
  return { ...signature, inputs };
}

/** Split `name`, `name@alias` or `name:version` into the model and the ref text the API takes. */
function modelAndRef(text: string): { model: string; ref: string | undefined } {
  const { model, ref } = parseModelRef(text);
  return {
    model,
    ref: ref.kind === 'number' ? String(ref.version) : ref.kind === 'alias' ? ref.alias : undefined,
  };
}

const shape = (dims: readonly number[]): string => `[${dims.join(',')}]`;

function printVersion(version: VersionRecord): void {
  printFields([
    ['model', version.model],
    ['version', version.version],
    ['aliases', version.aliases.join(', ')],
    ['sha256', version.sha256],
    ['size', formatBytes(version.sizeBytes)],
    ['format', version.format],
    ['created', `${version.createdAt} by ${version.createdBy}`],
    ['producer', version.onnx.producer],
    [
      'tags',
      Object.entries(version.tags)
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    ],
    [
      'training data',
      version.lineage.trainingData
        ? `${version.lineage.trainingData.uri} ${version.lineage.trainingData.digest ?? ''}`
        : undefined,
    ],
    ['code', version.lineage.code],
    ['metrics', version.lineage.metrics ? JSON.stringify(version.lineage.metrics) : undefined],
    ['parameters', version.lineage.parameters ? JSON.stringify(version.lineage.parameters) : undefined],
  ]);
  process.stdout.write('\nsignature\n');
  printTable(
    ['', 'name', 'datatype', 'shape', 'names'],
    [
      ...version.signature.inputs.map((t) => [
        'input',
        t.name,
        t.datatype,
        shape(t.shape),
        (t.features ?? []).join(', '),
      ]),
      ...version.signature.outputs.map((t) => [
        'output',
        t.name,
        t.datatype,
        shape(t.shape),
        (t.labels ?? []).join(', '),
      ]),
    ],
  );
}

/** `ferry models …`: push, list, show, card, rm and alias management. */
export function registerModelsCommand(program: Command): void {
  const models = program.command('models').description('push, list and inspect models, versions and aliases');

  models
    .command('push')
    .description('register an ONNX file as a new version (the same bytes again return the existing version)')
    .argument('<file>', 'the ONNX model file')
    .requiredOption('--name <name>', 'model name (lowercase letters, digits, -, _, .)')
    .option('--card <file>', 'model card: Markdown with a YAML front matter')
    .option(
      '--lineage <key=value>',
      'lineage entry: data=URI, data.digest=sha256:…, code=REF, params.NAME=V, metrics.NAME=N (repeatable)',
      collect,
      [],
    )
    .option('--lineage-file <file>', 'lineage as a JSON file ({trainingData, code, parameters, metrics})')
    .option('--signature <file>', 'signature overrides as JSON (feature names, labels, descriptions)')
    .option(
      '--features <file>',
      'feature names and kinds of inputs as JSON: {"<input>": {"names": [...], "kinds": ["numeric"|"categorical", ...]}}',
    )
    .option('--tag <key=value>', 'tag the version (repeatable)', collect, [])
    .option('--alias <alias>', 'point this alias at the pushed version')
    .option('--reason <text>', 'why (recorded with the alias move)')
    .option('--description <text>', "sets the model's description")
    // --- profiles (src/monitoring/profiles) ---
    .option(
      '--reference <file>',
      'reference dataset (training or validation data, CSV or NDJSON) profiled and attached after the push',
    )
    .option('--reference-format <format>', 'csv or ndjson (default: from the --reference file name)')
    // --- end profiles ---
    .action(
      async (
        file: string,
        options: {
          name: string;
          card?: string;
          lineage: string[];
          lineageFile?: string;
          signature?: string;
          features?: string;
          tag: string[];
          alias?: string;
          reason?: string;
          description?: string;
          reference?: string;
          referenceFormat?: string;
        },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        // profiles: the reference's format is checked before anything is pushed.
        const referenceFormat =
          options.reference === undefined
            ? undefined
            : datasetFormat(options.reference, options.referenceFormat);
        const size = (
          await stat(file).catch(() => {
            throw new FerryError('INVALID_ARGUMENT', `cannot read ${file}: no such file`);
          })
        ).size;
        const card = options.card === undefined ? undefined : await readTextFile(options.card, 'model card');
        const base =
          options.lineageFile === undefined
            ? {}
            : await readJsonFile<Lineage>(options.lineageFile, 'lineage');
        let signature =
          options.signature === undefined
            ? undefined
            : await readJsonFile<SignatureOverrides>(options.signature, 'signature overrides');
        if (options.features !== undefined) {
          const features = await readJsonFile<unknown>(options.features, 'features');
          signature = mergeFeatures(signature, features, options.features);
        }
        const showProgress = process.stderr.isTTY && !globals.json && size > 4 * 1024 * 1024;
        const bar = showProgress
          ? new cliProgress.SingleBar(
              { format: 'uploading [{bar}] {percentage}% {value}/{total} bytes' },
              cliProgress.Presets.shades_classic,
            )
          : undefined;
        bar?.start(size, 0);
        const { result, reference } = await withApi(globals, async (api) => {
          const pushed = await api.push({
            model: options.name,
            file,
            card,
            lineage: parseLineage(options.lineage, base),
            signature,
            tags: parseTags(options.tag),
            alias: options.alias,
            reason: options.reason,
            description: options.description,
            onProgress: (sent) => bar?.update(Math.min(sent, size)),
          });
          bar?.stop();
          // --- profiles (src/monitoring/profiles): the reference is attached once the version exists ---
          if (options.reference === undefined || referenceFormat === undefined) return { result: pushed };
          const { model, version } = pushed.version;
          try {
            const view = await api.putReference({
              model,
              ref: String(version),
              file: options.reference,
              format: referenceFormat,
            });
            return { result: pushed, reference: view };
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            throw new FerryError(
              error instanceof FerryError ? error.code : 'INTERNAL',
              `pushed ${model} version ${version}, but its reference profile was not attached: ${reason}; attach it with \`ferry monitor reference ${model}:${version} ${options.reference}\``,
            );
          }
          // --- end profiles ---
        }).finally(() => bar?.stop());
        if (globals.json) return printJson(reference === undefined ? result : { ...result, reference });
        const { version } = result;
        process.stdout.write(
          result.created
            ? `pushed ${version.model} version ${version.version} (sha256 ${version.sha256.slice(0, 12)}…, ${formatBytes(version.sizeBytes)})\n`
            : `${version.model} version ${version.version} already holds these bytes (sha256 ${version.sha256.slice(0, 12)}…); nothing new was stored\n`,
        );
        if (options.alias !== undefined)
          process.stdout.write(`alias ${options.alias} → version ${version.version}\n`);
        if (reference !== undefined) {
          process.stdout.write(
            `reference profile of ${reference.rows} rows from ${reference.source} attached (${Object.keys(reference.features).length} features and outputs profiled)\n`,
          );
        }
      },
    );

  models
    .command('list')
    .description('list models with their latest version and aliases')
    .action(async (_options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const list = await withApi(globals, (api) => api.listModels());
      if (globals.json) return printJson(list);
      printTable(
        ['model', 'versions', 'latest', 'aliases', 'created'],
        list.map((m) => [
          m.name,
          m.versionCount,
          m.latestVersion ?? '-',
          Object.entries(m.aliases)
            .map(([a, v]) => `${a}→${v}`)
            .join(', '),
          m.createdAt,
        ]),
      );
    });

  models
    .command('show')
    .description('show a model and its versions (NAME), or one version (NAME@alias, NAME:version)')
    .argument('<ref>', 'NAME, NAME@alias or NAME:version')
    .action(async (text: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { model, ref } = modelAndRef(text);
      await withApi(globals, async (api) => {
        if (ref !== undefined) {
          const version = await api.getVersion(model, ref);
          return globals.json ? printJson(version) : printVersion(version);
        }
        const detail = await api.getModel(model);
        if (globals.json) return printJson(detail);
        printFields([
          ['model', detail.model.name],
          ['description', detail.model.description],
          ['created', `${detail.model.createdAt} by ${detail.model.createdBy}`],
        ]);
        process.stdout.write('\n');
        printTable(
          ['version', 'aliases', 'sha256', 'size', 'created', 'by'],
          detail.versions.map((v) => [
            v.version,
            v.aliases.join(', '),
            v.sha256.slice(0, 12),
            formatBytes(v.sizeBytes),
            v.createdAt,
            v.createdBy,
          ]),
        );
      });
    });

  models
    .command('card')
    .description("print a version's model card")
    .argument('<ref>', 'NAME, NAME@alias or NAME:version')
    .action(async (text: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { model, ref } = modelAndRef(text);
      const card = await withApi(globals, (api) => api.getCard(model, ref));
      if (globals.json) return printJson({ markdown: card });
      process.stdout.write(card === null ? '(this version has no model card)\n' : `${card.trimEnd()}\n`);
    });

  models
    .command('rm')
    .description('delete a version no alias points to')
    .argument('<ref>', 'NAME:version')
    .action(async (text: string, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const { model, ref } = parseModelRef(text);
      if (ref.kind !== 'number')
        throw new FerryError('INVALID_ARGUMENT', `write ${model}:<version> to delete a version`);
      await withApi(globals, (api) => api.deleteVersion(model, ref.version));
      if (globals.json) return printJson({ deleted: { model, version: ref.version } });
      process.stdout.write(`deleted ${model} version ${ref.version}\n`);
    });

  const alias = models.command('alias').description('set, move, delete aliases and read their history');
  alias
    .command('set')
    .description('point an alias at a version (recorded with who, when, from, to and why)')
    .argument('<model>')
    .argument('<alias>')
    .argument('<version>', 'version number')
    .option('--reason <text>', 'why')
    .action(
      async (
        model: string,
        name: string,
        versionText: string,
        options: { reason?: string },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const version = Number(versionText);
        if (!Number.isInteger(version) || version < 1)
          throw new FerryError('INVALID_ARGUMENT', `'${versionText}' is not a version number`);
        const event = await withApi(globals, (api) => api.setAlias(model, name, version, options.reason));
        if (globals.json) return printJson(event);
        process.stdout.write(`${model}@${name}: ${event.fromVersion ?? '(unset)'} → ${event.toVersion}\n`);
      },
    );
  alias
    .command('rm')
    .description('delete an alias')
    .argument('<model>')
    .argument('<alias>')
    .option('--reason <text>', 'why')
    .action(async (model: string, name: string, options: { reason?: string }, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const event = await withApi(globals, (api) => api.deleteAlias(model, name, options.reason));
      if (globals.json) return printJson(event);
      process.stdout.write(`${model}@${name} deleted (was version ${event.fromVersion})\n`);
    });
  alias
    .command('history')
    .description('every move of the aliases of a model, newest first')
    .argument('<model>')
    .argument('[alias]')
    .action(async (model: string, name: string | undefined, _options: unknown, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      const events = await withApi(globals, (api) => api.aliasHistory(model, name));
      if (globals.json) return printJson(events);
      printTable(
        ['when', 'alias', 'from', 'to', 'who', 'reason'],
        events.map((e) => [
          e.at,
          e.alias,
          e.fromVersion ?? '-',
          e.toVersion ?? '(deleted)',
          e.actor,
          e.reason ?? '',
        ]),
      );
    });
}
