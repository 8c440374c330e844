import type { FeatureValue } from '../features/extract-rows.js';
import type { FeatureRule, ValidationRules, Violation, ViolationReason } from './validation-rules.js';

/** A number as messages show it: at most 6 significant digits. */
export const formatNumber = (value: number): string => String(Number(value.toPrecision(6)));

const formatValue = (value: FeatureValue): string =>
  typeof value === 'number' ? formatNumber(value) : typeof value === 'string' ? `'${value}'` : String(value);

function rangeText(rule: FeatureRule | undefined): string {
  return rule?.kind === 'numeric' ? `[${formatNumber(rule.min)}, ${formatNumber(rule.max)}]` : '';
}

/** What a violation means, without the value: `is above the reference range [-1.6, 35.6]`. */
function describeReason(reason: ViolationReason, rule: FeatureRule | undefined, tolerance: number): string {
  switch (reason) {
    case 'above_range':
      return `is above the reference range ${rangeText(rule)} (monitoring.rangeTolerance ${tolerance})`;
    case 'below_range':
      return `is below the reference range ${rangeText(rule)} (monitoring.rangeTolerance ${tolerance})`;
    case 'unknown_category':
      return 'is not a category seen in the reference';
    case 'missing':
      return 'is missing, and the reference has no missing values';
  }
}

/**
 * The reason stored with a flagged prediction. It never quotes the value (the log may be
 * redacted): `feature 'temp_max' is above the reference range [-1.6, 35.6] (monitoring.rangeTolerance 0.1)`.
 */
export function flagReason(rules: ValidationRules, violation: Pick<Violation, 'feature' | 'reason'>): string {
  return `feature '${violation.feature}' ${describeReason(violation.reason, rules.rule(violation.feature), rules.tolerance)}`;
}

/** Most features one INVALID_INPUT message lists; the rest are counted. */
const MAX_LISTED = 20;

/**
 * The message of an INVALID_INPUT refusal: each offending feature once, with its first offending
 * value and, for a multi-row request, its row (0-based, as the logged `<id>#<row>`) and how many
 * more rows fail, e.g.
 * `feature 'temp_max' = 48.2 is above the reference range [-1.6, 35.6] (monitoring.rangeTolerance 0.1);
 * feature 'weather' = 'hail' is not a category seen in the reference`.
 */
export function rejectionMessage(
  model: string,
  version: number,
  rules: ValidationRules,
  violations: readonly (Violation & { readonly row: number })[],
  rows: number,
): string {
  const byFeature = new Map<string, { first: Violation & { row: number }; rows: Set<number> }>();
  for (const violation of violations) {
    const key = `${violation.feature}\u0000${violation.reason}`;
    const entry = byFeature.get(key);
    if (entry === undefined) byFeature.set(key, { first: violation, rows: new Set([violation.row]) });
    else entry.rows.add(violation.row);
  }
  const parts = [...byFeature.values()].slice(0, MAX_LISTED).map(({ first, rows: failing }) => {
    const value = first.reason === 'missing' ? '' : ` = ${formatValue(first.value)}`;
    const others = failing.size - 1;
    const more = others > 0 ? ` and ${others} more row${others === 1 ? '' : 's'}` : '';
    const where = rows > 1 ? ` (row ${first.row}${more})` : '';
    return `feature '${first.feature}'${value}${where} ${describeReason(first.reason, rules.rule(first.feature), rules.tolerance)}`;
  });
  const unlisted = byFeature.size > MAX_LISTED ? `; and ${byFeature.size - MAX_LISTED} more` : '';
  return `input fails validation against the reference profile of model '${model}' version ${version}: ${parts.join('; ')}${unlisted} (monitoring.validation is reject)`;
}
