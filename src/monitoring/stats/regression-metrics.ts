/** One prediction of a regressor joined with its feedback. */
export interface RegressionRecord {
  readonly actual: number;
  readonly predicted: number;
}

/** Error metrics of a regressor over a window (or slice). */
export interface RegressionMetrics {
  /** Records with a finite actual and prediction (the others are left out). */
  readonly count: number;
  /** Mean absolute error (1/n) Σ |yᵢ − ŷᵢ|; null when count is 0. */
  readonly mae: number | null;
  /** Root mean squared error √((1/n) Σ (yᵢ − ŷᵢ)²); null when count is 0. */
  readonly rmse: number | null;
}

/**
 * MAE and RMSE (scikit-learn's `mean_absolute_error` and `root_mean_squared_error`; e.g. y =
 * [3, −0.5, 2, 7], ŷ = [2.5, 0, 2, 8] give MAE 0.5 and RMSE √0.375 ≈ 0.612). Records with a
 * non-finite actual or prediction are left out.
 */
export function regressionMetrics(records: readonly RegressionRecord[]): RegressionMetrics {
  let count = 0;
  let absolute = 0;
  let squared = 0;
  for (const { actual, predicted } of records) {
    if (!Number.isFinite(actual) || !Number.isFinite(predicted)) continue;
    const error = actual - predicted;
    count += 1;
    absolute += Math.abs(error);
    squared += error * error;
  }
  return {
    count,
    mae: count === 0 ? null : absolute / count,
    rmse: count === 0 ? null : Math.sqrt(squared / count),
  };
}

/** Mean absolute error (see {@link regressionMetrics}); null without records. */
export function meanAbsoluteError(records: readonly RegressionRecord[]): number | null {
  return regressionMetrics(records).mae;
}

/** Root mean squared error (see {@link regressionMetrics}); null without records. */
export function rootMeanSquaredError(records: readonly RegressionRecord[]): number | null {
  return regressionMetrics(records).rmse;
}
