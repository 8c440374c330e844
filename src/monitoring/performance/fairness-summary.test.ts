import { describe, expect, it } from 'vitest';
import { fairnessSummary, type FairnessRow } from './fairness-summary.js';

/** `count` rows of a group: predicted and actual classes as given (null actual: no feedback). */
const rows = (value: string | null, count: number, predicted: string, actual: string | null): FairnessRow[] =>
  Array.from({ length: count }, () => ({ value, predicted, actual }));

/**
 * Group A: 40 rows, 20 approved (selection rate 0.5); of 20 actual approvals 16 predicted (TPR 0.8),
 * of 20 actual denials 4 predicted approved (FPR 0.2).
 * Group B: 40 rows, 12 approved (0.3); TPR 10/20 = 0.5, FPR 2/20 = 0.1.
 * Group C: 5 rows, all approved — below the minimum group size, so it changes nothing.
 * Three rows without the feature.
 */
const TABLE: FairnessRow[] = [
  ...rows('A', 16, 'approve', 'approve'),
  ...rows('A', 4, 'deny', 'approve'),
  ...rows('A', 4, 'approve', 'deny'),
  ...rows('A', 16, 'deny', 'deny'),
  ...rows('B', 10, 'approve', 'approve'),
  ...rows('B', 10, 'deny', 'approve'),
  ...rows('B', 2, 'approve', 'deny'),
  ...rows('B', 18, 'deny', 'deny'),
  ...rows('C', 5, 'approve', null),
  ...rows(null, 3, 'deny', null),
];

const SETTINGS = { positiveClass: 'approve', kind: 'categorical', minGroupSize: 30, minRows: 30 } as const;

describe('fairnessSummary', () => {
  it('matches a hand-checked table: parity, equalized odds, a small group left out, four-fifths violated', () => {
    const summary = fairnessSummary(TABLE, SETTINGS);
    expect(summary.groups).toEqual([
      { group: 'A', rows: 40, selectionRate: 0.5, rowsWithFeedback: 40, tpr: 0.8, fpr: 0.2, excluded: false },
      { group: 'B', rows: 40, selectionRate: 0.3, rowsWithFeedback: 40, tpr: 0.5, fpr: 0.1, excluded: false },
      { group: 'C', rows: 5, selectionRate: 1, rowsWithFeedback: 0, excluded: true },
    ]);
    expect(summary).toMatchObject({
      rows: 88,
      rowsWithFeedback: 80,
      rowsMissingFeature: 3,
      excludedGroups: ['C'],
      demographicParityDifference: expect.closeTo(0.2, 12),
      demographicParityRatio: expect.closeTo(0.6, 12),
      truePositiveRateDifference: expect.closeTo(0.3, 12),
      falsePositiveRateDifference: expect.closeTo(0.1, 12),
      equalizedOddsDifference: expect.closeTo(0.3, 12),
      fourFifthsRuleViolated: true,
      verdict: 'ok',
    });
  });

  it('has no verdict with fewer than two groups of the minimum size', () => {
    const summary = fairnessSummary(
      TABLE.filter((row) => row.value !== 'B'),
      SETTINGS,
    );
    expect(summary.demographicParityRatio).toBeNull();
    expect(summary.fourFifthsRuleViolated).toBeNull();
    expect(summary.verdict).toBe('not enough data');
  });

  it('does not flag parity within four fifths', () => {
    const fair = [...rows('A', 30, 'approve', null), ...rows('A', 10, 'deny', null)];
    const alsoFair = [...rows('B', 28, 'approve', null), ...rows('B', 12, 'deny', null)];
    const summary = fairnessSummary([...fair, ...alsoFair], SETTINGS);
    expect(summary.demographicParityRatio).toBeCloseTo(0.7 / 0.75, 12);
    expect(summary.fourFifthsRuleViolated).toBe(false);
    expect(summary.equalizedOddsDifference).toBeNull();
  });
});
