import { describe, expect, it } from 'vitest';
import { validateLineage } from './lineage.js';
import { expectFerryError } from '../../test/support/ferry-errors.js';

describe('validateLineage', () => {
  it('keeps every documented key', () => {
    const lineage = {
      trainingData: { uri: 's3://bucket/train.parquet', digest: 'sha256:abc' },
      code: 'git+https://example.com/repo@0123abc',
      parameters: { epochs: 20, layers: [64, 32] },
      metrics: { auc: 0.91, loss: 0.2 },
    };
    expect(validateLineage(lineage)).toEqual(lineage);
  });

  it('treats a missing lineage as empty', () => {
    expect(validateLineage(undefined)).toEqual({});
  });

  it.each([
    ['an unknown top-level key', { dataset: 'x' }, "unknown key 'dataset'"],
    [
      'an unknown trainingData key',
      { trainingData: { uri: 'u', rows: 3 } },
      "lineage.trainingData has an unknown key 'rows'",
    ],
    ['trainingData without uri', { trainingData: { digest: 'd' } }, 'lineage.trainingData.uri'],
    [
      'a metric that is not a number',
      { metrics: { auc: 'high' } },
      'lineage.metrics.auc must be a finite number',
    ],
    ['an infinite metric', { metrics: { loss: Infinity } }, 'lineage.metrics.loss'],
    ['parameters that are a list', { parameters: [1, 2] }, 'lineage.parameters must be an object'],
    ['an empty code reference', { code: '' }, 'lineage.code'],
    ['a lineage that is a string', 'trained on Tuesday', 'lineage must be an object'],
  ])('rejects %s, naming the key', async (_kind, lineage, message) => {
    await expectFerryError(() => validateLineage(lineage), 'INVALID_LINEAGE', message);
  });
});
