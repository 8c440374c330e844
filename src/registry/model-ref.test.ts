import { describe, expect, it } from 'vitest';
import { formatModelRef, parseModelRef } from './model-ref.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

describe('parseModelRef', () => {
  it('reads name, name@alias and name:version', () => {
    expect(parseModelRef('fraud')).toEqual({ model: 'fraud', ref: { kind: 'default' } });
    expect(parseModelRef('fraud@production')).toEqual({
      model: 'fraud',
      ref: { kind: 'alias', alias: 'production' },
    });
    expect(parseModelRef('fraud:3')).toEqual({ model: 'fraud', ref: { kind: 'number', version: 3 } });
  });

  it('formats a reference back to the same text', () => {
    for (const text of ['fraud', 'fraud@production', 'fraud:3'])
      expect(formatModelRef(parseModelRef(text))).toBe(text);
  });

  it('rejects a version number written after @', async () => {
    await expectFerryError(() => parseModelRef('fraud@3'), 'INVALID_ARGUMENT');
  });
});
