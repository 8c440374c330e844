import { describe, expect, it } from 'vitest';
import {
  accuracy,
  classificationMetrics,
  confusionCounts,
  confusionMatrix,
  logLoss,
  macroPrecisionRecallF1,
  precisionRecallF1,
  rocAuc,
  rocAucOneVsRest,
  type ClassificationRecord,
} from './classification-metrics.js';
import { bySlice } from './slices.js';

const pairs = (
  actual: readonly (string | number)[],
  predicted: readonly (string | number)[],
): ClassificationRecord[] => actual.map((a, i) => ({ actual: a, predicted: predicted[i] ?? '' }));

const scored = (actual: readonly number[], positiveScores: readonly number[]): ClassificationRecord[] =>
  actual.map((a, i) => ({ actual: a, predicted: a, scores: { '1': positiveScores[i] ?? 0 } }));

describe('classification metrics', () => {
  it('accuracy: scikit-learn accuracy_score doc example gives 0.5', () => {
    expect(accuracy(pairs([0, 1, 2, 3], [0, 2, 1, 3]))).toBe(0.5);
    expect(accuracy([])).toBeNull();
  });

  it('confusion matrix: scikit-learn confusion_matrix doc example', () => {
    expect(confusionMatrix(pairs([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]))).toEqual({
      labels: ['0', '1', '2'],
      matrix: [
        [2, 0, 0],
        [0, 0, 1],
        [1, 0, 2],
      ],
    });
  });

  it('macro precision, recall and F1: scikit-learn precision_recall_fscore_support doc example', () => {
    const records = pairs(
      ['cat', 'dog', 'pig', 'cat', 'dog', 'pig'],
      ['cat', 'pig', 'dog', 'cat', 'cat', 'dog'],
    );
    const macro = macroPrecisionRecallF1(records);
    expect(macro.precision).toBeCloseTo(2 / 9, 12); // 0.222…
    expect(macro.recall).toBeCloseTo(1 / 3, 12);
    expect(macro.f1).toBeCloseTo(0.8 / 3, 12); // 0.266…
    expect(precisionRecallF1(records, 'cat')).toEqual({ precision: 2 / 3, recall: 1, f1: 0.8, support: 2 });
    expect(precisionRecallF1(records, 'dog')).toEqual({ precision: 0, recall: 0, f1: 0, support: 2 });
  });

  it('confusion counts for a positive class', () => {
    expect(confusionCounts(pairs([1, 1, 0, 0, 1], [1, 0, 1, 0, 1]), 1)).toEqual({
      truePositives: 2,
      falsePositives: 1,
      trueNegatives: 1,
      falseNegatives: 1,
    });
  });

  it('ROC AUC: scikit-learn roc_auc_score doc example gives 0.75', () => {
    expect(rocAuc(scored([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 1)).toBeCloseTo(0.75, 14);
  });

  it('ROC AUC counts tied scores one half and needs both classes', () => {
    expect(rocAuc(scored([0, 1], [0.5, 0.5]), 1)).toBe(0.5);
    expect(rocAuc(scored([0, 0, 1, 1], [0.1, 0.5, 0.5, 0.9]), 1)).toBeCloseTo(0.875, 14);
    expect(rocAuc(scored([1, 1], [0.2, 0.9]), 1)).toBeNull();
  });

  it('one-vs-rest macro ROC AUC of a hand-checked three-class table', () => {
    const records: ClassificationRecord[] = [
      { actual: 'a', predicted: 'a', scores: { a: 0.7, b: 0.2, c: 0.1 } },
      { actual: 'b', predicted: 'b', scores: { a: 0.3, b: 0.4, c: 0.3 } },
      { actual: 'c', predicted: 'c', scores: { a: 0.2, b: 0.3, c: 0.5 } },
      { actual: 'a', predicted: 'b', scores: { a: 0.3, b: 0.5, c: 0.2 } },
    ];
    // a: 3.5/4 pairs, b: 2/3, c: 3/3
    expect(rocAucOneVsRest(records)).toBeCloseTo((0.875 + 2 / 3 + 1) / 3, 14);
  });

  it('log loss: scikit-learn log_loss doc example gives 0.21616', () => {
    const records: ClassificationRecord[] = [
      ['spam', [0.1, 0.9]],
      ['ham', [0.9, 0.1]],
      ['ham', [0.8, 0.2]],
      ['spam', [0.35, 0.65]],
    ].map(([actual, p]) => {
      const [ham, spam] = p as [number, number];
      return { actual: actual as string, predicted: ham > spam ? 'ham' : 'spam', scores: { ham, spam } };
    });
    expect(logLoss(records)).toBeCloseTo(0.21616187468057912, 12);
  });

  it('log loss clips a zero probability to 1e-15', () => {
    expect(logLoss([{ actual: 'a', predicted: 'b', scores: { a: 0, b: 1 } }])).toBeCloseTo(
      -Math.log(1e-15),
      10,
    );
    expect(logLoss(pairs([1], [1]))).toBeNull();
  });

  it('summarizes a window, and by slice', () => {
    const records = scored([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]).map((r, i) => ({
      ...r,
      region: i < 2 ? 'eu' : 'us',
    }));
    const summary = classificationMetrics(records, { positive: 1 });
    expect(summary).toMatchObject({ count: 4, accuracy: 1, rocAuc: 0.75 });
    expect(summary.positive).toMatchObject({ precision: 1, recall: 1, truePositives: 2 });
    const slices = bySlice(
      records,
      (r) => r.region,
      (slice) => classificationMetrics(slice, { positive: 1 }),
    );
    expect([...slices.keys()]).toEqual(['eu', 'us']);
    expect(slices.get('eu')?.rocAuc).toBeNull();
    expect(slices.get('us')?.count).toBe(2);
  });
});
