import { describe, expect, it } from 'vitest';
import { meanAbsoluteError, regressionMetrics, rootMeanSquaredError } from './regression-metrics.js';

const records = [3, -0.5, 2, 7].map((actual, i) => ({ actual, predicted: [2.5, 0, 2, 8][i] ?? 0 }));

describe('regression metrics', () => {
  it('MAE 0.5 and RMSE √0.375 on the scikit-learn doc example', () => {
    expect(meanAbsoluteError(records)).toBeCloseTo(0.5, 14);
    expect(rootMeanSquaredError(records)).toBeCloseTo(Math.sqrt(0.375), 14); // 0.612…
  });

  it('leaves out non-finite records and answers null without any', () => {
    expect(regressionMetrics([...records, { actual: Number.NaN, predicted: 1 }]).count).toBe(4);
    expect(regressionMetrics([])).toEqual({ count: 0, mae: null, rmse: null });
  });
});
