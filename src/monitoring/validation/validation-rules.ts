import type { FeatureValue } from '../features/extract-rows.js';
import { valueAt, type SegmentColumns } from '../log/segment-columns.js';
import { OTHER_CATEGORY } from '../stats/index.js';
import type { VersionProfile } from '../profiles/version-profile.js';

/** Why a value fails validation. */
export type ViolationReason = 'below_range' | 'above_range' | 'unknown_category' | 'missing';

/** Every reason, in the order messages list them. */
export const VIOLATION_REASONS: readonly ViolationReason[] = [
  'below_range',
  'above_range',
  'unknown_category',
  'missing',
];

/** One failed check of one value. */
export interface Violation {
  readonly feature: string;
  readonly reason: ViolationReason;
  /** The offending value (null when missing). */
  readonly value: FeatureValue;
}

/** The check of one numeric input feature. */
interface NumericRule {
  readonly kind: 'numeric';
  readonly name: string;
  /** Reference min and max. */
  readonly min: number;
  readonly max: number;
  /** The accepted range: [min − tol·(max − min), max + tol·(max − min)]. */
  readonly low: number;
  readonly high: number;
  /** Missing values are accepted when the reference had some. */
  readonly missingAllowed: boolean;
}

/** The check of one categorical input feature. */
interface CategoricalRule {
  readonly kind: 'categorical';
  readonly name: string;
  /** Categories the reference holds by name; null when the reference overflowed its cap (any category passes). */
  readonly categories: ReadonlySet<string> | null;
  readonly missingAllowed: boolean;
}

/** The check of one input feature. */
export type FeatureRule = NumericRule | CategoricalRule;

/**
 * The checks of a version's inputs, precomputed once from its reference profile: per numeric
 * feature the reference range widened by `tolerance`, per categorical feature the set of
 * categories seen, and for both whether a missing value is acceptable (only when the reference
 * had missing values). Checking a row is then a few comparisons and one set lookup per feature.
 */
export class ValidationRules {
  private readonly byName: ReadonlyMap<string, FeatureRule>;

  private constructor(
    readonly rules: readonly FeatureRule[],
    /** `monitoring.rangeTolerance` the ranges were widened by. */
    readonly tolerance: number,
  ) {
    this.byName = new Map(rules.map((rule) => [rule.name, rule]));
  }

  /** The rules of the input features of a reference profile. */
  static fromReference(reference: VersionProfile, tolerance: number): ValidationRules {
    const rules: FeatureRule[] = [];
    for (const [name, entry] of reference.features) {
      if (entry.source !== 'input') continue;
      if (entry.kind === 'numeric') {
        const { min, max } = entry.profile;
        // A feature the reference never saw a value of has no range to check against.
        if (min === null || max === null) continue;
        const slack = tolerance * (max - min);
        rules.push({
          kind: 'numeric',
          name,
          min,
          max,
          low: min - slack,
          high: max + slack,
          missingAllowed: entry.profile.missing > 0,
        });
      } else {
        const { profile } = entry;
        const counts = profile.categoryCounts();
        const open = profile.other > 0 || counts.has(OTHER_CATEGORY);
        rules.push({
          kind: 'categorical',
          name,
          categories: open ? null : new Set(counts.keys()),
          missingAllowed: profile.missing > 0,
        });
      }
    }
    return new ValidationRules(rules, tolerance);
  }

  /** The input features these rules check. */
  get featureNames(): string[] {
    return this.rules.map((rule) => rule.name);
  }

  /**
   * Check one row's input features. A feature absent from `features` (dropped by redaction) or in
   * `skip` (hashed or masked text, which cannot be compared) is not checked.
   */
  check(features: Readonly<Record<string, FeatureValue>>, skip?: ReadonlySet<string>): Violation[] {
    let violations: Violation[] | undefined;
    for (const rule of this.rules) {
      if (!(rule.name in features) || skip?.has(rule.name) === true) continue;
      const reason = violationOf(rule, features[rule.name] ?? null);
      if (reason !== undefined)
        (violations ??= []).push({ feature: rule.name, reason, value: features[rule.name] ?? null });
    }
    return violations ?? [];
  }

  /**
   * {@link check} of every row of the prediction log's columns, by row (rows without violations
   * are left out). A row without a feature's value (a failed request) is not checked for it. A
   * float32 value clearly inside a numeric rule's range (by more than 2^-20 of the bound, far more
   * than a float32 and its shortest decimal differ) passes at once; any other is read as stored
   * and checked exactly as {@link check} does.
   */
  checkColumns(columns: SegmentColumns, skip?: ReadonlySet<string>): Map<number, Violation[]> {
    const violations = new Map<number, Violation[]>();
    const add = (row: number, violation: Violation) => {
      const list = violations.get(row);
      if (list === undefined) violations.set(row, [violation]);
      else list.push(violation);
    };
    // Rule by rule, so each row's violations come in rule order, as check gives them.
    for (const rule of this.rules) {
      if (skip?.has(rule.name) === true) continue;
      const column = columns.column(rule.name, 'input');
      if (column === undefined) continue;
      const { f32, absent } = column;
      const low = rule.kind === 'numeric' ? rule.low + slack(rule.low) : NaN;
      const high = rule.kind === 'numeric' ? rule.high - slack(rule.high) : NaN;
      const rows = columns.rows;
      const check = (row: number) => {
        const value = valueAt(column, row) ?? null;
        const reason = violationOf(rule, value);
        if (reason !== undefined) add(row, { feature: rule.name, reason, value });
      };
      if (f32 !== undefined && absent === undefined) {
        // The common case, a float32 column with every row: one comparison pair per value.
        for (let row = 0; row < rows; row += 1) {
          const raw = f32[row]!;
          if (!(raw > low && raw < high)) check(row);
        }
        continue;
      }
      for (let row = 0; row < rows; row += 1) {
        if (absent !== undefined && absent[row] === 1) continue;
        if (f32 !== undefined) {
          const raw = f32[row]!;
          if (raw > low && raw < high) continue;
        }
        check(row);
      }
    }
    return violations;
  }

  /** The rule of a feature, or undefined. */
  rule(name: string): FeatureRule | undefined {
    return this.byName.get(name);
  }
}

/** A margin around a range bound far wider than a float32 and its shortest decimal differ. */
const slack = (bound: number): number => Math.abs(bound) * 2 ** -20;

function violationOf(rule: FeatureRule, value: FeatureValue): ViolationReason | undefined {
  if (value === null) return rule.missingAllowed ? undefined : 'missing';
  if (rule.kind === 'numeric') {
    if (typeof value !== 'number') return undefined;
    if (value < rule.low) return 'below_range';
    if (value > rule.high) return 'above_range';
    return undefined;
  }
  if (rule.categories === null) return undefined;
  return rule.categories.has(String(value)) ? undefined : 'unknown_category';
}
