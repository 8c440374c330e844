import { describe, expect, it } from 'vitest';
import { groupFeature, MISSING_GROUP } from './feature-groups.js';
import { performanceSummary } from './performance-report.js';

/** Eight binary predictions, checked by hand below. */
const BINARY = [
  { actual: 'yes', predicted: 'yes', p: 0.9, island: 'Biscoe' },
  { actual: 'yes', predicted: 'yes', p: 0.8, island: 'Biscoe' },
  { actual: 'yes', predicted: 'no', p: 0.4, island: 'Dream' },
  { actual: 'no', predicted: 'no', p: 0.2, island: 'Dream' },
  { actual: 'no', predicted: 'yes', p: 0.6, island: 'Dream' },
  { actual: 'no', predicted: 'no', p: 0.1, island: 'Biscoe' },
  { actual: 'yes', predicted: 'yes', p: 0.7, island: 'Torgersen' },
  { actual: 'no', predicted: 'no', p: 0.3, island: null },
].map(({ actual, predicted, p, island }) => ({
  actual,
  predicted,
  scores: { yes: p, no: 1 - p },
  slices: { island },
}));

describe('performanceSummary', () => {
  it('computes classifier metrics for the positive class that match a hand count', () => {
    const summary = performanceSummary({
      task: 'classification',
      records: BINARY,
      positiveClass: 'yes',
      minRows: 5,
    });
    // 6 of 8 correct; TP 3 (rows 1, 2, 7), FP 1 (row 5), FN 1 (row 3).
    // AUC: 15 of the 16 (positive, negative) pairs ordered right (0.4 < 0.6 is the one wrong).
    const trueClassProbabilities = [0.9, 0.8, 0.4, 0.8, 0.4, 0.9, 0.7, 0.7];
    const logLoss = -trueClassProbabilities.reduce((sum, p) => sum + Math.log(p), 0) / 8;
    expect(summary.rowsWithFeedback).toBe(8);
    expect(summary.verdict).toBe('ok');
    expect(summary.metrics).toEqual({
      accuracy: 0.75,
      precision: 0.75,
      recall: 0.75,
      f1: 0.75,
      rocAuc: 15 / 16,
      logLoss: expect.closeTo(logLoss, 12),
      average: 'positive class',
    });
  });

  it('takes macro averages over classes without a positive class', () => {
    const records = [
      ['a', 'a'],
      ['a', 'b'],
      ['b', 'b'],
      ['c', 'c'],
      ['c', 'a'],
      ['b', 'b'],
    ].map(([actual, predicted]) => ({ actual: actual!, predicted: predicted! }));
    const summary = performanceSummary({ task: 'classification', records, positiveClass: null, minRows: 1 });
    // Per class (precision, recall, F1): a (1/2, 1/2, 1/2), b (2/3, 1, 4/5), c (1, 1/2, 2/3).
    expect(summary.metrics).toEqual({
      accuracy: 4 / 6,
      precision: expect.closeTo((1 / 2 + 2 / 3 + 1) / 3, 12),
      recall: expect.closeTo((1 / 2 + 1 + 1 / 2) / 3, 12),
      f1: expect.closeTo((1 / 2 + 4 / 5 + 2 / 3) / 3, 12),
      rocAuc: null,
      logLoss: null,
      average: 'macro',
    });
  });

  it('computes MAE and RMSE of a regressor', () => {
    const records = [
      [3, 2.5],
      [-0.5, 0],
      [2, 2],
      [7, 8],
    ].map(([actual, predicted]) => ({ actual: actual!, predicted: predicted! }));
    const summary = performanceSummary({ task: 'regression', records, positiveClass: null, minRows: 30 });
    expect(summary.metrics).toEqual({ mae: 0.5, rmse: Math.sqrt(0.375) });
    expect(summary.verdict).toBe('not enough data');
  });

  it('reports metrics per value of a categorical slice, missing values last', () => {
    const summary = performanceSummary({
      task: 'classification',
      records: BINARY,
      positiveClass: 'yes',
      minRows: 3,
      slices: [{ feature: 'island', kind: 'categorical' }],
    });
    const [slice] = summary.slices ?? [];
    expect(slice?.feature).toBe('island');
    expect(
      slice?.groups.map((g) => [g.value, g.rows, (g.metrics as { accuracy: number }).accuracy, g.verdict]),
    ).toEqual([
      ['Biscoe', 3, 1, 'ok'],
      ['Dream', 3, 1 / 3, 'ok'],
      ['Torgersen', 1, 1, 'not enough data'],
      [MISSING_GROUP, 1, 1, 'not enough data'],
    ]);
  });

  it('buckets a numeric slice with many values at the deciles of the window', () => {
    const records = Array.from({ length: 20 }, (_, i) => ({
      actual: i + 1,
      predicted: i + 1 + (i < 10 ? 1 : -3),
      slices: { size: i + 1 },
    }));
    const summary = performanceSummary({
      task: 'regression',
      records,
      positiveClass: null,
      minRows: 1,
      slices: [{ feature: 'size', kind: 'numeric' }],
    });
    const groups = summary.slices?.[0]?.groups ?? [];
    expect(groups).toHaveLength(10);
    expect(groups[0]).toEqual({
      bucket: '[1, 2.9)',
      lower: 1,
      upper: expect.closeTo(2.9, 12),
      rows: 2,
      metrics: { mae: 1, rmse: 1 },
      verdict: 'ok',
    });
    expect(groups[9]).toMatchObject({ bucket: '[18.1, 20]', rows: 2, metrics: { mae: 3, rmse: 3 } });
  });
});

describe('groupFeature', () => {
  it('groups a numeric feature with few values by value, ascending', () => {
    const grouping = groupFeature([1, 0, 1, null, 0], 'numeric');
    expect(grouping.groups.map((g) => (g.kind === 'value' ? g.value : g.bucket))).toEqual([
      '0',
      '1',
      MISSING_GROUP,
    ]);
    expect(grouping.groupOf(1)).toBe(grouping.groups[1]?.key);
    expect(grouping.groupOf(undefined)).toBe(grouping.groups[2]?.key);
  });

  it('puts a value beyond the window range in the outer buckets', () => {
    const grouping = groupFeature(
      Array.from({ length: 50 }, (_, i) => i),
      'numeric',
    );
    expect(grouping.groupOf(-100)).toBe(grouping.groups[0]?.key);
    expect(grouping.groupOf(1000)).toBe(grouping.groups[grouping.groups.length - 1]?.key);
  });
});
