import { FerryError } from '../core/index.js';
import type { Lineage } from '../registry/index.js';

/** Collect repeated `--flag k=v` options into a list (commander option parser). */
export const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

function splitPair(pair: string, flag: string): [string, string] {
  const at = pair.indexOf('=');
  if (at <= 0) throw new FerryError('INVALID_ARGUMENT', `${flag} ${pair}: write key=value`);
  return [pair.slice(0, at), pair.slice(at + 1)];
}

/** `--tag k=v` pairs into an object. */
export function parseTags(pairs: readonly string[]): Record<string, string> | undefined {
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(pairs.map((pair) => splitPair(pair, '--tag')));
}

const asValue = (text: string): unknown => {
  if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(text)) return Number(text);
  if (text === 'true' || text === 'false') return text === 'true';
  return text;
};

/**
 * `--lineage k=v` pairs into a Lineage object. Keys: `data` or `trainingData.uri`,
 * `data.digest` or `trainingData.digest`, `code`, `params.<name>` / `parameters.<name>`,
 * `metrics.<name>` (numbers).
 */
export function parseLineage(pairs: readonly string[], base: Lineage = {}): Lineage | undefined {
  if (pairs.length === 0) return Object.keys(base).length === 0 ? undefined : base;
  let trainingData = base.trainingData === undefined ? undefined : { ...base.trainingData };
  let code = base.code;
  const parameters: Record<string, unknown> = { ...base.parameters };
  const metrics: Record<string, number> = { ...base.metrics };
  for (const pair of pairs) {
    const [key, value] = splitPair(pair, '--lineage');
    if (key === 'data' || key === 'trainingData.uri' || key === 'trainingData') {
      trainingData = { ...trainingData, uri: value };
    } else if (key === 'data.digest' || key === 'trainingData.digest') {
      trainingData = { uri: trainingData?.uri ?? '', digest: value };
    } else if (key === 'code') {
      code = value;
    } else if (key.startsWith('params.') || key.startsWith('parameters.')) {
      parameters[key.slice(key.indexOf('.') + 1)] = asValue(value);
    } else if (key.startsWith('metrics.')) {
      const number = Number(value);
      if (!Number.isFinite(number))
        throw new FerryError('INVALID_ARGUMENT', `--lineage ${pair}: a metric must be a number`);
      metrics[key.slice('metrics.'.length)] = number;
    } else {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `--lineage ${pair}: unknown key '${key}'; use data, data.digest, code, params.<name> or metrics.<name>`,
      );
    }
  }
  return {
    ...(trainingData === undefined ? {} : { trainingData }),
    ...(code === undefined ? {} : { code }),
    ...(Object.keys(parameters).length === 0 ? {} : { parameters }),
    ...(Object.keys(metrics).length === 0 ? {} : { metrics }),
  };
}
