import { FerryError } from '../core/index.js';

const MODEL_NAME = /^[a-z0-9][a-z0-9._-]{0,127}$/;

/** The naming rule for models, as error messages and docs state it. */
export const MODEL_NAME_RULE =
  "1-128 lowercase letters, digits, '-', '_' or '.', starting with a letter or digit (e.g. 'fraud-scorer')";

/**
 * Check a model name and return it. Names are safe in URLs, file names and shell commands: no
 * slashes, no spaces, no upper case, and no leading dot (so never '.' or '..').
 */
export function validateModelName(name: unknown): string {
  if (typeof name === 'string' && MODEL_NAME.test(name)) return name;
  const shown = typeof name === 'string' ? `'${name.slice(0, 140)}'` : `a ${typeof name}`;
  throw new FerryError('INVALID_MODEL_NAME', `model name ${shown} is invalid: use ${MODEL_NAME_RULE}`);
}
