import { describe, expect, it } from 'vitest';
import { describeVersionRef, parseVersionRef, validateAlias } from './version-ref.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

describe('parseVersionRef', () => {
  it('reads nothing as the default version', () => {
    expect(parseVersionRef(undefined)).toEqual({ kind: 'default' });
    expect(parseVersionRef('')).toEqual({ kind: 'default' });
  });

  it('reads digits as a version number', () => {
    expect(parseVersionRef('7')).toEqual({ kind: 'number', version: 7 });
    expect(parseVersionRef('012')).toEqual({ kind: 'number', version: 12 });
  });

  it('reads a name as an alias', () => {
    expect(parseVersionRef('production')).toEqual({ kind: 'alias', alias: 'production' });
  });

  it('rejects version 0 and numbers too large to be exact', async () => {
    await expectFerryError(() => parseVersionRef('0'), 'INVALID_ARGUMENT', 'numbered 1, 2, 3');
    await expectFerryError(() => parseVersionRef('99999999999999999999'), 'INVALID_ARGUMENT');
  });

  it('rejects text that is neither a number nor a valid alias with INVALID_ALIAS', async () => {
    await expectFerryError(() => parseVersionRef('Prod!'), 'INVALID_ALIAS', 'starting with a letter');
  });
});

describe('validateAlias', () => {
  it.each(['production', 'a', 'canary-2', 'team_a', `a${'b'.repeat(63)}`])('accepts %s', (alias) => {
    expect(validateAlias(alias)).toBe(alias);
  });

  it.each(['', '1', '2nd', 'Prod', 'prod/1', '-x', `a${'b'.repeat(64)}`])('rejects %j', (alias) => {
    expect(() => validateAlias(alias), 'INVALID_ALIAS');
  });
});

describe('describeVersionRef', () => {
  it('names each kind of reference for messages', () => {
    expect(describeVersionRef({ kind: 'number', version: 3 })).toBe('version 3');
    expect(describeVersionRef({ kind: 'alias', alias: 'production' })).toBe("alias 'production'");
    expect(describeVersionRef({ kind: 'default' })).toBe('the default version');
  });
});
