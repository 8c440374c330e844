import { describe, expect, it } from 'vitest';
import { parseModelCard } from './model-card.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

describe('parseModelCard', () => {
  it('splits YAML front matter from the Markdown', () => {
    const card = '---\nlicense: apache-2.0\nmetrics:\n  auc: 0.91\n---\n# Fraud scorer\n\nScores payments.\n';
    expect(parseModelCard(card)).toEqual({
      metadata: { license: 'apache-2.0', metrics: { auc: 0.91 } },
      markdown: '# Fraud scorer\n\nScores payments.\n',
    });
  });

  it('reads a card without front matter as Markdown only', () => {
    expect(parseModelCard('# Just text\n')).toEqual({ metadata: {}, markdown: '# Just text\n' });
  });

  it('reads an empty front matter as no metadata', () => {
    expect(parseModelCard('---\n---\nbody')).toEqual({ metadata: {}, markdown: 'body' });
  });

  it('rejects front matter that is not valid YAML', async () => {
    await expectFerryError(
      () => parseModelCard('---\nlicense: [unclosed\n---\n# x'),
      'INVALID_MODEL_CARD',
      'not valid YAML',
    );
  });

  it('rejects front matter that is a list rather than a mapping', async () => {
    await expectFerryError(() => parseModelCard('---\n- a\n- b\n---\n# x'), 'INVALID_MODEL_CARD', 'a list');
  });

  it('rejects front matter that is never closed', async () => {
    await expectFerryError(
      () => parseModelCard('---\nlicense: mit\n# x'),
      'INVALID_MODEL_CARD',
      'never closes',
    );
  });

  it('rejects a front matter that repeats a key', async () => {
    await expectFerryError(() => parseModelCard('---\na: 1\na: 2\n---\n'), 'INVALID_MODEL_CARD');
  });
});
