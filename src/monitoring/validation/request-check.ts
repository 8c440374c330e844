import { fromHalfBits, type TensorElements } from '../../core/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import { extractRows } from '../features/extract-rows.js';
import type { FeatureSpec } from '../features/feature-spec.js';
import { shortFloat32 } from '../profiles/reference-values.js';
import type { FeatureRule, ValidationRules, Violation } from './validation-rules.js';

/** A violation with the (0-based) row of the request it is in. */
export type RowViolation = Violation & { readonly row: number };

/**
 * Relative distance from a bound within which an FP32 value is compared in the form the
 * prediction log stores (shortest decimal, see extractRows) rather than raw: that form differs
 * from the raw float32 by less than one float32 step (about 1.2e-7 relative), so farther away
 * the raw comparison gives the same answer without formatting the number.
 */
const FP32_NEAR = 1e-6;

/** Where a feature's values are in its tensor. */
function layoutOf(
  spec: FeatureSpec,
  tensor: RuntimeTensor,
): { rows: number; offset: number; stride: number } {
  if (spec.column === null) return { rows: tensor.shape[0] ?? 1, offset: 0, stride: 1 };
  const rows = tensor.shape.length >= 2 ? (tensor.shape[0] ?? 0) : 1;
  const width = tensor.shape[tensor.shape.length - 1] ?? 0;
  return { rows, offset: spec.column < width ? spec.column : Number.MAX_SAFE_INTEGER, stride: width };
}

/** Element `index` as a number, or null when missing (NaN, infinite, or beyond the data). */
function numberAt(
  tensor: RuntimeTensor,
  data: Exclude<TensorElements, string[]>,
  index: number,
): number | null {
  if (index >= data.length) return null;
  const raw = data[index]!;
  if (typeof raw === 'bigint') return Number(raw);
  const value =
    tensor.datatype === 'FP16' ? fromHalfBits(raw) : tensor.datatype === 'BOOL' ? (raw !== 0 ? 1 : 0) : raw;
  return Number.isFinite(value) ? value : null;
}

/** Is an FP32 value near a bound, where its stored form must decide? */
const near = (value: number, bound: number): boolean =>
  Number.isFinite(bound) && Math.abs(value - bound) <= FP32_NEAR * Math.max(1, Math.abs(bound));

/** Check a numeric feature column by column, reading the typed array directly. */
function checkNumeric(
  rule: Extract<FeatureRule, { kind: 'numeric' }>,
  spec: FeatureSpec,
  tensor: RuntimeTensor,
  out: RowViolation[],
): void {
  const data = tensor.data as Exclude<TensorElements, string[]>;
  const { rows, offset, stride } = layoutOf(spec, tensor);
  const fp32 = tensor.datatype === 'FP32';
  for (let row = 0; row < rows; row++) {
    let value = numberAt(tensor, data, offset + row * stride);
    if (value === null) {
      if (!rule.missingAllowed) out.push({ feature: rule.name, reason: 'missing', value: null, row });
      continue;
    }
    if (fp32 && (near(value, rule.low) || near(value, rule.high))) value = shortFloat32(value);
    if (value < rule.low || value > rule.high) {
      out.push({
        feature: rule.name,
        reason: value < rule.low ? 'below_range' : 'above_range',
        value: fp32 ? shortFloat32(value) : value,
        row,
      });
    }
  }
}

/**
 * Check the rows of a request's inputs against a version's rules: numeric features straight from
 * their typed arrays (no per-row objects, no number formatting away from the bounds), anything
 * else (categories, text) through extractRows, so every value is read exactly as the prediction
 * log stores it. Returns the violations, by row then feature, and the request's row count.
 */
export function checkRequest(
  rules: ValidationRules,
  features: readonly FeatureSpec[],
  inputs: Readonly<Record<string, RuntimeTensor>>,
): { violations: RowViolation[]; rows: number } {
  const violations: RowViolation[] = [];
  const others: FeatureSpec[] = [];
  let rows = -1;
  for (const spec of features) {
    const rule = rules.rule(spec.name);
    const tensor = inputs[spec.tensor];
    if (rule === undefined) continue;
    if (tensor === undefined) {
      others.push(spec); // read as missing, as extractRows does
      continue;
    }
    if (rows < 0) rows = layoutOf(spec, tensor).rows;
    if (rule.kind === 'numeric' && spec.kind === 'numeric' && !Array.isArray(tensor.data)) {
      checkNumeric(rule, spec, tensor, violations);
    } else others.push(spec);
  }
  if (others.length > 0) {
    const extracted = extractRows(others, inputs, undefined);
    if (rows < 0) rows = extracted.length;
    extracted.forEach((row, index) => {
      for (const violation of rules.check(row.features)) violations.push({ ...violation, row: index });
    });
  }
  // By row, then in feature order (the order the rows were checked in differs by kind).
  const order = new Map(features.map((spec, index) => [spec.name, index]));
  violations.sort((a, b) => a.row - b.row || (order.get(a.feature) ?? 0) - (order.get(b.feature) ?? 0));
  return { violations, rows: Math.max(rows, 0) };
}
