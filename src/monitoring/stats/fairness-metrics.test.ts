import { describe, expect, it } from 'vitest';
import { fairnessReport, type FairnessRecord } from './fairness-metrics.js';

/** `n` copies of one (group, predicted, actual) row. */
function rows(n: number, group: string, predicted: number, actual?: number): FairnessRecord[] {
  return Array.from({ length: n }, () =>
    actual === undefined ? { group, predicted } : { group, predicted, actual },
  );
}

// Hand-checked table:
//   A: 40 rows, 20 selected → SR 0.5; positives 20 (16 TP, 4 FN) → TPR 0.8; negatives 20 (4 FP) → FPR 0.2
//   B: 40 rows, 12 selected → SR 0.3; positives 20 (10 TP, 10 FN) → TPR 0.5; negatives 20 (2 FP) → FPR 0.1
//   C: 5 rows, all selected → SR 1, below the minimum group size of 30
const table = [
  ...rows(16, 'A', 1, 1),
  ...rows(4, 'A', 0, 1),
  ...rows(4, 'A', 1, 0),
  ...rows(16, 'A', 0, 0),
  ...rows(10, 'B', 1, 1),
  ...rows(10, 'B', 0, 1),
  ...rows(2, 'B', 1, 0),
  ...rows(18, 'B', 0, 0),
  ...rows(5, 'C', 1, 1),
];

describe('fairnessReport', () => {
  const report = fairnessReport(table, { positive: 1, minGroupSize: 30 });

  it('gives selection rate, TPR and FPR per group', () => {
    expect(report.groups).toEqual([
      {
        group: 'A',
        count: 40,
        selectionRate: 0.5,
        labeled: 40,
        truePositiveRate: 0.8,
        falsePositiveRate: 0.2,
      },
      {
        group: 'B',
        count: 40,
        selectionRate: 0.3,
        labeled: 40,
        truePositiveRate: 0.5,
        falsePositiveRate: 0.1,
      },
      { group: 'C', count: 5, selectionRate: 1, labeled: 5, truePositiveRate: 1, falsePositiveRate: null },
    ]);
  });

  it('computes demographic parity over the large groups and lists the small ones', () => {
    expect(report.smallGroups).toEqual(['C']);
    expect(report.demographicParityDifference).toBeCloseTo(0.2, 14);
    expect(report.demographicParityRatio).toBeCloseTo(0.6, 14);
    expect(report.fourFifthsViolated).toBe(true);
  });

  it("computes equalized odds as Fairlearn's worst case of the TPR and FPR gaps", () => {
    expect(report.truePositiveRateDifference).toBeCloseTo(0.3, 14);
    expect(report.falsePositiveRateDifference).toBeCloseTo(0.1, 14);
    expect(report.equalizedOddsDifference).toBeCloseTo(0.3, 14);
  });

  it('passes the four-fifths rule when the ratio is at least 0.8', () => {
    const fair = [...rows(50, 'x', 1), ...rows(50, 'x', 0), ...rows(45, 'y', 1), ...rows(55, 'y', 0)];
    const result = fairnessReport(fair, { positive: 1, minGroupSize: 30 });
    expect(result.demographicParityRatio).toBeCloseTo(0.9, 14);
    expect(result.fourFifthsViolated).toBe(false);
    expect(result.equalizedOddsDifference).toBeNull(); // no feedback
    expect(result.smallFeedbackGroups).toEqual(['x', 'y']);
  });

  it('gives no verdict with fewer than two large groups', () => {
    const result = fairnessReport(table, { positive: 1, minGroupSize: 41 });
    expect(result).toMatchObject({ demographicParityDifference: null, fourFifthsViolated: null });
    expect(result.smallGroups).toEqual(['A', 'B', 'C']);
  });
});
