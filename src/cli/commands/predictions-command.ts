import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import { FerryError } from '../../core/index.js';
import type {
  ExportFormat,
  FeedbackItem,
  FeedbackResult,
  FerryApi,
  JoinedPrediction,
} from '../../client/index.js';
// Deep import on purpose: the registry barrel loads the database drivers, and `--server` calls
// should start fast without them.
import { parseModelRef } from '../../registry/model-ref.js';
import { withApi, type TargetOptions } from '../api-target.js';
import { printJson, printTable, type OutputOptions } from '../output.js';

type GlobalOptions = TargetOptions & OutputOptions;

/** Feedback items per call (the API's limit). */
const FEEDBACK_BATCH = 1000;

const UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A time option: an ISO-8601 time as is, or a duration back from now (`30m`, `24h`, `7d`).
 * Anything else is passed on for the API to refuse with its own message.
 */
export function timeOption(text: string | undefined, now: number = Date.now()): string | undefined {
  if (text === undefined) return undefined;
  const match = /^(\d+)([smhd])$/.exec(text);
  if (match === null) return text;
  return new Date(now - Number(match[1]) * UNITS[match[2]!]!).toISOString();
}

/**
 * The model and version a reference names: `NAME` (every version), `NAME:3`, or `NAME@alias`
 * (the version the alias points at now).
 */
async function modelAndVersion(api: FerryApi, text: string): Promise<{ model: string; version?: number }> {
  const { model, ref } = parseModelRef(text);
  if (ref.kind === 'default') return { model };
  if (ref.kind === 'number') return { model, version: ref.version };
  return { model, version: (await api.getVersion(model, ref.alias)).version };
}

const brief = (value: unknown): string => {
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

function printPredictions(predictions: readonly JoinedPrediction[]): void {
  printTable(
    ['at', 'request id', 'version', 'status', 'ms', 'features', 'outputs', 'feedback'],
    predictions.map((p) => [
      p.at,
      p.requestId,
      p.version,
      p.code === undefined ? p.status : `${p.status} ${p.code}`,
      p.latencyMs.toFixed(1),
      brief(p.features),
      brief(p.outputs),
      p.feedback === null ? '' : brief(p.feedback.label ?? p.feedback.value),
    ]),
  );
}

/** Feedback items of an NDJSON file: one JSON object per line, blank lines skipped. */
async function readFeedbackFile(path: string): Promise<unknown[]> {
  const text = await readFile(path, 'utf8').catch((error: Error) => {
    throw new FerryError('INVALID_ARGUMENT', `cannot read feedback from ${path}: ${error.message}`);
  });
  const items: unknown[] = [];
  text.split(/\r?\n/).forEach((line, index) => {
    if (line.trim() === '') return;
    try {
      items.push(JSON.parse(line));
    } catch (error) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `${path} line ${index + 1} is not JSON (${(error as Error).message}); write one {"request_id", "label" | "value"} object per line`,
      );
    }
  });
  if (items.length === 0) throw new FerryError('INVALID_ARGUMENT', `${path} holds no feedback items`);
  return items;
}

/** The one item `--request-id` with `--label` / `--value` describes. */
function itemFromOptions(options: FeedbackOptions): FeedbackItem {
  if (options.requestId === undefined) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      'give an NDJSON file of feedback, or --request-id with --label or --value',
    );
  }
  if (options.label === undefined && options.value === undefined) {
    throw new FerryError('INVALID_ARGUMENT', '--request-id needs --label (a class) or --value (a number)');
  }
  let value: number | undefined;
  if (options.value !== undefined) {
    value = Number(options.value);
    if (options.value.trim() === '' || !Number.isFinite(value)) {
      throw new FerryError('INVALID_ARGUMENT', `--value takes a number, not '${options.value}'`);
    }
  }
  return {
    request_id: options.requestId,
    ...(options.label === undefined ? {} : { label: options.label }),
    ...(value === undefined ? {} : { value }),
    ...(options.at === undefined ? {} : { at: options.at }),
  };
}

interface FeedbackOptions {
  requestId?: string;
  label?: string;
  value?: string;
  at?: string;
}

/** `ferry predictions list|export` and `ferry feedback`: the prediction log and ground truth. */
export function registerPredictionsCommand(program: Command): void {
  const predictions = program.command('predictions').description('read and export the prediction log');

  predictions
    .command('list')
    .description('logged predictions of a model, newest first, with their feedback')
    .argument('<ref>', 'NAME (every version), NAME:version, or NAME@alias (its version now)')
    .option('--from <time>', 'from this time (ISO-8601, or back from now: 30m, 24h, 7d)')
    .option('--to <time>', 'until this time, exclusive (ISO-8601 or 30m, 24h, 7d)')
    .option('--limit <n>', 'most predictions to show (1-1000)', '20')
    .option('--cursor <cursor>', 'continue after a previous page (its nextCursor)')
    .action(
      async (
        ref: string,
        options: { from?: string; to?: string; limit: string; cursor?: string },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        const page = await withApi(globals, async (api) =>
          api.listPredictions({
            ...(await modelAndVersion(api, ref)),
            from: timeOption(options.from),
            to: timeOption(options.to),
            limit: Number(options.limit),
            cursor: options.cursor,
          }),
        );
        if (globals.json) return printJson(page);
        printPredictions(page.predictions);
        if (page.nextCursor !== null) process.stdout.write(`more: --cursor ${page.nextCursor}\n`);
      },
    );

  predictions
    .command('export')
    .description('write the logged predictions of a model as NDJSON or CSV, oldest first')
    .argument('<ref>', 'NAME (every version), NAME:version, or NAME@alias (its version now)')
    .option('--format <format>', 'ndjson or csv', 'ndjson')
    .option('--from <time>', 'from this time (ISO-8601, or back from now: 30m, 24h, 7d)')
    .option('--to <time>', 'until this time, exclusive (ISO-8601 or 30m, 24h, 7d)')
    .option('--feedback', 'include each prediction’s feedback (label, value)')
    .option('--out <file>', 'write to this file instead of stdout')
    .action(
      async (
        ref: string,
        options: {
          format: string;
          from?: string;
          to?: string;
          feedback?: boolean;
          out?: string;
        },
        command: Command,
      ) => {
        const globals = command.optsWithGlobals<GlobalOptions>();
        if (options.format !== 'ndjson' && options.format !== 'csv') {
          throw new FerryError('INVALID_ARGUMENT', `--format is ndjson or csv, not '${options.format}'`);
        }
        const format: ExportFormat = options.format;
        await withApi(globals, async (api) => {
          const chunks = await api.exportPredictions({
            ...(await modelAndVersion(api, ref)),
            format,
            from: timeOption(options.from),
            to: timeOption(options.to),
            feedback: options.feedback === true,
          });
          const out = options.out === undefined ? process.stdout : createWriteStream(options.out);
          for await (const chunk of chunks) {
            if (!out.write(chunk)) await once(out, 'drain');
          }
          if (out !== process.stdout) {
            out.end();
            await once(out, 'finish');
          }
        });
      },
    );

  program
    .command('feedback')
    .description('send ground truth for logged predictions: an NDJSON file, or one --request-id')
    .argument('[file]', 'NDJSON: one {"request_id", "label" | "value", "at"?} object per line')
    .option(
      '--request-id <id>',
      'the prediction’s request id (x-request-id; <id>#<row> for a row of a batch)',
    )
    .option('--label <label>', 'the true class')
    .option('--value <number>', 'the true value')
    .option('--at <time>', 'when the outcome was observed (ISO-8601)')
    .action(async (file: string | undefined, options: FeedbackOptions, command: Command) => {
      const globals = command.optsWithGlobals<GlobalOptions>();
      if (file !== undefined && options.requestId !== undefined) {
        throw new FerryError('INVALID_ARGUMENT', 'give an NDJSON file or --request-id, not both');
      }
      const items = file === undefined ? [itemFromOptions(options)] : await readFeedbackFile(file);
      const results = await withApi(globals, async (api) => {
        const all: FeedbackResult[] = [];
        for (let start = 0; start < items.length; start += FEEDBACK_BATCH) {
          // Items are checked by the API, which reports a malformed one as `invalid`.
          all.push(...(await api.sendFeedback(items.slice(start, start + FEEDBACK_BATCH) as FeedbackItem[])));
        }
        return all;
      });
      const failed = results.filter((r) => r.status === 'unknown_request' || r.status === 'invalid');
      // Some items not stored: the results still print, and the exit code says so.
      if (failed.length > 0) process.exitCode = 1;
      if (globals.json) return printJson({ results });
      const count = (status: FeedbackResult['status']) => results.filter((r) => r.status === status).length;
      process.stdout.write(
        `stored ${count('stored')}, updated ${count('updated')}, unknown request ${count('unknown_request')}, invalid ${count('invalid')}\n`,
      );
      if (failed.length > 0) {
        printTable(
          ['request id', 'status', 'message'],
          failed.map((r) => [r.request_id, r.status, r.message ?? '']),
        );
      }
    });
}
