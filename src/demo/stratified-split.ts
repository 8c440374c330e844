import type { RandomSource } from './seeded-random.js';
import { shuffled } from './seeded-random.js';

/** Row indices of a train/test split, each list in ascending order. */
export interface TrainTestSplit {
  readonly trainIndices: readonly number[];
  readonly testIndices: readonly number[];
}

/**
 * Split rows into train and test sets so each class keeps its share in both: within every class,
 * a shuffled `round(count × testFraction)` rows go to the test set.
 *
 * @param labels the class of each row
 * @param testFraction share of each class held out, in [0, 1]
 */
export function stratifiedSplit(
  labels: readonly number[],
  testFraction: number,
  random: RandomSource,
): TrainTestSplit {
  if (!(testFraction >= 0 && testFraction <= 1)) {
    throw new RangeError(`testFraction must be in [0, 1], got ${testFraction}`);
  }
  const rowsByClass = new Map<number, number[]>();
  labels.forEach((label, row) => {
    const rows = rowsByClass.get(label) ?? [];
    rows.push(row);
    rowsByClass.set(label, rows);
  });
  const trainIndices: number[] = [];
  const testIndices: number[] = [];
  const classesInOrder = [...rowsByClass.keys()].sort((a, b) => a - b);
  for (const label of classesInOrder) {
    const rows = shuffled(rowsByClass.get(label)!, random);
    const testCount = Math.round(rows.length * testFraction);
    testIndices.push(...rows.slice(0, testCount));
    trainIndices.push(...rows.slice(testCount));
  }
  const ascending = (a: number, b: number): number => a - b;
  return { trainIndices: trainIndices.sort(ascending), testIndices: testIndices.sort(ascending) };
}
