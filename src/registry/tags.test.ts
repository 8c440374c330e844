import { describe, expect, it } from 'vitest';
import { validateTags } from './tags.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

describe('validateTags', () => {
  it('keeps string tags', () => {
    expect(validateTags({ team: 'risk', stage: '' })).toEqual({ team: 'risk', stage: '' });
  });

  it('rejects a tag whose value is not a string, naming the tag', async () => {
    await expectFerryError(() => validateTags({ epochs: 20 }), 'INVALID_ARGUMENT', "tag 'epochs'");
  });

  it('rejects tags that are not an object', async () => {
    await expectFerryError(() => validateTags(['a']), 'INVALID_ARGUMENT');
  });
});
