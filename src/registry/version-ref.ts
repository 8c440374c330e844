import { FerryError } from '../core/index.js';
import type { VersionRef } from './registry-types.js';

const ALIAS = /^[a-z][a-z0-9_-]{0,63}$/;

/** The naming rule for aliases, as error messages and docs state it. */
export const ALIAS_RULE =
  "1-64 lowercase letters, digits, '-' or '_', starting with a letter (e.g. 'production')";

/**
 * Check an alias name and return it. An alias starts with a letter, so it can never be mistaken
 * for a version number.
 */
export function validateAlias(alias: unknown): string {
  if (typeof alias === 'string' && ALIAS.test(alias)) return alias;
  const shown = typeof alias === 'string' ? `'${alias.slice(0, 80)}'` : `a ${typeof alias}`;
  throw new FerryError('INVALID_ALIAS', `alias ${shown} is invalid: use ${ALIAS_RULE}`);
}

/**
 * Read which version a caller means: nothing (undefined or '') is the default version, all digits
 * a version number (1 or more), anything else an alias.
 */
export function parseVersionRef(text: string | undefined): VersionRef {
  if (text === undefined || text === '') return { kind: 'default' };
  if (/^\d+$/.test(text)) {
    const version = Number(text);
    if (version < 1 || !Number.isSafeInteger(version)) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `'${text.slice(0, 40)}' is not a version number: versions are numbered 1, 2, 3…`,
      );
    }
    return { kind: 'number', version };
  }
  if (!ALIAS.test(text)) {
    throw new FerryError(
      'INVALID_ALIAS',
      `'${text.slice(0, 80)}' is neither a version number nor an alias: an alias is ${ALIAS_RULE}`,
    );
  }
  return { kind: 'alias', alias: text };
}

/** How a version reference reads in messages: `version 3`, `alias 'production'`, `the default version`. */
export function describeVersionRef(ref: VersionRef): string {
  switch (ref.kind) {
    case 'number':
      return `version ${ref.version}`;
    case 'alias':
      return `alias '${ref.alias}'`;
    case 'default':
      return 'the default version';
  }
}
