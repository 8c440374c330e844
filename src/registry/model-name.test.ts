import { describe, expect, it } from 'vitest';
import { validateModelName } from './model-name.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

describe('validateModelName', () => {
  it.each(['fraud-scorer', 'm', '7b', 'penguins_v2.onnx', 'a'.repeat(128)])('accepts %s', (name) => {
    expect(validateModelName(name)).toBe(name);
  });

  it.each([
    ['empty', ''],
    ['upper case', 'Fraud'],
    ['a slash', 'team/model'],
    ['a backslash', 'team\\model'],
    ['a leading dot', '.hidden'],
    ['dot-dot', '..'],
    ['a leading dash', '-x'],
    ['a space', 'my model'],
    ['129 characters', 'a'.repeat(129)],
  ])('rejects a name with %s, stating the rule', async (_kind, name) => {
    await expectFerryError(() => validateModelName(name), 'INVALID_MODEL_NAME', 'lowercase letters, digits');
  });
});
