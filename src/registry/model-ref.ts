import { FerryError } from '../core/index.js';
import type { VersionRef } from './registry-types.js';
import { parseVersionRef } from './version-ref.js';

/** A model and which of its versions: `name`, `name@alias` or `name:version`. */
export interface ModelRef {
  readonly model: string;
  readonly ref: VersionRef;
}

/** Parse `name`, `name@alias` or `name:version` (as the CLI and `models.preload` write them). */
export function parseModelRef(text: string): ModelRef {
  const match = /^([^@:]+)(?:@([^@:]+)|:(\d+))?$/.exec(text.trim());
  if (match === null) {
    throw new FerryError(
      'INVALID_ARGUMENT',
      `'${text}' is not a model reference; write name, name@alias or name:version`,
    );
  }
  const [, model = '', alias, version] = match;
  if (alias !== undefined) {
    const ref = parseVersionRef(alias);
    if (ref.kind !== 'alias')
      throw new FerryError('INVALID_ARGUMENT', `'${text}': write name:${alias} for a version number`);
    return { model, ref };
  }
  return { model, ref: version === undefined ? { kind: 'default' } : parseVersionRef(version) };
}

/** Format a reference back to text. */
export function formatModelRef({ model, ref }: ModelRef): string {
  if (ref.kind === 'alias') return `${model}@${ref.alias}`;
  if (ref.kind === 'number') return `${model}:${ref.version}`;
  return model;
}
