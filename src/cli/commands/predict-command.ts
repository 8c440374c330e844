import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { FerryError } from '../../core/index.js';
import type { FerryApi } from '../../client/index.js';
// Deep import on purpose: the registry barrel loads the database drivers, and `--server` calls
// should start fast without them.
import { parseModelRef } from '../../registry/model-ref.js';
import { withApi, type TargetOptions } from '../api-target.js';
import { printTable, printJson, type OutputOptions } from '../output.js';

async function readInput(text: string): Promise<unknown> {
  const source = text.startsWith('@')
    ? await readFile(text.slice(1), 'utf8').catch(() => {
        throw new FerryError('INVALID_ARGUMENT', `cannot read input file ${text.slice(1)}`);
      })
    : text;
  try {
    return JSON.parse(source) as unknown;
  } catch (error) {
    throw new FerryError('INVALID_ARGUMENT', `--input is not valid JSON: ${(error as Error).message}`);
  }
}

const nestedShape = (value: unknown): number[] =>
  Array.isArray(value) ? [value.length, ...nestedShape(value[0])] : [];

/**
 * A full protocol request is sent as is. A bare array of rows (`[[…], […]]`) is wrapped for a
 * model with a single input, taking its name and datatype from the version's signature.
 */
async function toRequest(
  api: FerryApi,
  model: string,
  ref: string | undefined,
  input: unknown,
): Promise<unknown> {
  if (!Array.isArray(input)) return input;
  const version = await api.getVersion(model, ref);
  const [spec, ...others] = version.signature.inputs;
  if (spec === undefined || others.length > 0) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `model '${model}' has ${version.signature.inputs.length} inputs; send a full request: {"inputs": [...]}`,
    );
  }
  const rows = spec.shape.length > 0 && Array.isArray(input[0]) === spec.shape.length > 1 ? input : [input];
  return { inputs: [{ name: spec.name, datatype: spec.datatype, shape: nestedShape(rows), data: rows }] };
}

/** `ferry predict NAME[@alias|:version] --input JSON|@file`. */
export function registerPredictCommand(program: Command): void {
  program
    .command('predict')
    .description(
      'run one inference: --input takes a protocol request or, for one-input models, an array of rows',
    )
    .argument('<ref>', 'NAME, NAME@alias or NAME:version')
    .requiredOption('--input <json|@file>', 'request JSON, or @path of a file holding it')
    .action(async (text: string, options: { input: string }, command: Command) => {
      const globals = command.optsWithGlobals<TargetOptions & OutputOptions>();
      const { model, ref } = parseModelRef(text);
      const refText =
        ref.kind === 'number' ? String(ref.version) : ref.kind === 'alias' ? ref.alias : undefined;
      const input = await readInput(options.input);
      const response = await withApi(globals, async (api) =>
        api.infer(model, refText, await toRequest(api, model, refText, input)),
      );
      if (globals.json) return printJson(response);
      process.stdout.write(`${response.model_name} version ${response.model_version}\n`);
      printTable(
        ['output', 'datatype', 'shape', 'data'],
        response.outputs.map((o) => {
          const data = JSON.stringify(o.data);
          return [
            o.name,
            o.datatype,
            `[${o.shape.join(',')}]`,
            data.length > 80 ? `${data.slice(0, 77)}...` : data,
          ];
        }),
      );
    });
}
