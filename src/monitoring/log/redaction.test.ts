import { describe, expect, it } from 'vitest';
import { expectFerryError } from '../../../test/support/ferry-errors.js';
import { Redactor } from './redaction.js';

const settings = {
  drop: ['ssn', 'probabilities'],
  hash: ['email', 'ssn'],
  mask: [
    { pattern: '\\d{4}-\\d{4}', replacement: '####-####', fields: ['note'] },
    { pattern: 'secret', replacement: '***' },
  ],
};

describe('Redactor', () => {
  const redactor = new Redactor(settings, 'salt-a');

  it('drops fields, also every column of a dropped tensor; drop wins over hash', () => {
    const redacted = redactor.apply({
      ssn: '123-45-6789',
      'probabilities[fraud]': 0.9,
      probabilityish: 1,
      age: 40,
    });
    expect(redacted).toEqual({ probabilityish: 1, age: 40 });
  });

  it('hashes a field with a salted SHA-256: stable, not the plain value, different under another salt', () => {
    const first = redactor.apply({ email: 'ann@example.com' }).email;
    const again = redactor.apply({ email: 'ann@example.com' }).email;
    const other = new Redactor(settings, 'salt-b').apply({ email: 'ann@example.com' }).email;
    expect(first).toMatch(/^[0-9a-f]{64}$/);
    expect(again).toBe(first);
    expect(first).not.toContain('ann');
    expect(other).not.toBe(first);
    expect(redactor.apply({ email: null }).email).toBeNull();
  });

  it('masks matches in text: in the named fields, or in every text value when no fields are named', () => {
    expect(
      redactor.apply({ note: 'card 1234-5678, secret plan', other: 'code 1234-5678 secret', n: 5 }),
    ).toEqual({ note: 'card ####-####, *** plan', other: 'code 1234-5678 ***', n: 5 });
  });

  it('says when it has nothing to do', () => {
    expect(new Redactor({ drop: [], hash: [], mask: [] }, 's').isEmpty).toBe(true);
    expect(redactor.isEmpty).toBe(false);
  });

  it('refuses an invalid pattern as INVALID_CONFIG naming the key', async () => {
    await expectFerryError(
      () =>
        new Redactor(
          { drop: [], hash: [], mask: [{ pattern: '(', replacement: '' }] },
          's',
          'monitoring.overrides.fraud.redact',
        ),
      'INVALID_CONFIG',
      'monitoring.overrides.fraud.redact.mask[0].pattern',
    );
  });
});
