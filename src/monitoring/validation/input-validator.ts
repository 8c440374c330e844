import { FerryError, type FerryConfig } from '../../core/index.js';
import type { VersionRecord } from '../../registry/index.js';
import type { RuntimeTensor } from '../../runtime/index.js';
import { cachedFeaturesOf, type FeatureSpec } from '../features/feature-spec.js';
import type { PredictionFlagger } from '../log/prediction-log.js';
import type { LoggedPredictions } from '../log/prediction-record.js';
import { Redactor } from '../log/redaction.js';
import { monitoringSettingsFor, type ModelMonitoringSettings } from '../monitoring-settings.js';
import type { ReferenceRecord } from '../profiles/reference-store.js';
import { flagReason, rejectionMessage } from './validation-messages.js';
import { checkRequest } from './request-check.js';
import { ValidationRules, type ViolationReason } from './validation-rules.js';

/** `monitoring.validation` of a model. */
export type ValidationPolicy = ModelMonitoringSettings['validation'];

/** Where the validator reads reference profiles: at once from memory, or by waiting for a load. */
export interface ReferenceSource {
  /** The cached reference (null: none), or undefined when not loaded yet; starts a load when stale. */
  peek(model: string, version: number): ReferenceRecord | null | undefined;
  get(model: string, version: number): Promise<ReferenceRecord | null>;
}

/** Told how many logged predictions were flagged, per feature and reason (Prometheus). */
export interface ValidationObserver {
  validationFlagged(
    model: string,
    version: number,
    feature: string,
    reason: ViolationReason,
    count: number,
  ): void;
}

/** What the validator keeps per reference: its rules, the features to extract, what to skip when flagging. */
interface Prepared {
  readonly rules: ValidationRules;
  /** The input features to extract on the hot path (set on first use, from the version's signature). */
  features: readonly FeatureSpec[] | undefined;
  /** Features whose stored value cannot be compared (hashed, or masked text). */
  readonly skipWhenFlagging: ReadonlySet<string>;
}

/** Does a redaction field cover a value name (`age`, or a tensor name covering `x[0]`)? As redaction does. */
const covers = (field: string, name: string): boolean =>
  name === field || (name.startsWith(field) && name.charCodeAt(field.length) === 91); /* [ */

/**
 * Input validation against the version's reference profile, per model policy
 * (`monitoring.validation`, overridable per model):
 *
 * - `reject`: {@link check} runs on the hot path, after the request is validated against the
 *   signature and before it is queued. It extracts only the input features the reference has and
 *   checks each row against precomputed rules (reference range widened by
 *   `monitoring.rangeTolerance`, categories seen, missing values); a failing request is 400
 *   INVALID_INPUT naming each offending feature, value and reason.
 * - `flag`: nothing happens on the hot path beyond warming the cache. The log's flagger
 *   ({@link flag}) checks each stored row off the hot path and its reasons are stored with it;
 *   {@link countFlags} (a log subscriber) counts them per feature and reason.
 * - `off`: nothing.
 *
 * A version without a reference profile is not validated. References come from a cache that is
 * refreshed in the background, so a reference attached on another replica applies within its
 * refresh time. Flagging sees the row as stored: features dropped or hashed by redaction, and
 * categorical text a mask rewrites, are not checked.
 */
export class InputValidator {
  private readonly policies = new Map<string, ValidationPolicy>();
  private readonly prepared = new WeakMap<ReferenceRecord, Prepared>();
  /** The feature and reason behind each flag text this validator made (for counting). */
  private readonly reasons = new Map<string, { feature: string; reason: ViolationReason }>();

  constructor(
    private readonly config: FerryConfig,
    private readonly references: ReferenceSource,
    private readonly observer?: ValidationObserver,
  ) {}

  /** The policy of a model (cached; the configuration does not change while serving). */
  policyOf(model: string): ValidationPolicy {
    let policy = this.policies.get(model);
    if (policy === undefined) {
      policy = monitoringSettingsFor(this.config, model).validation;
      this.policies.set(model, policy);
    }
    return policy;
  }

  /**
   * The hot-path hook (see InferenceService): under `reject`, throws INVALID_INPUT when a row of
   * the inputs fails the version's reference. Synchronous once the reference is cached; the first
   * request of a version (or the first after a cache expiry, for `flag`) starts a load.
   */
  check(version: VersionRecord, inputs: Readonly<Record<string, RuntimeTensor>>): void | Promise<void> {
    const policy = this.policyOf(version.model);
    if (policy === 'off') return;
    const cached = this.references.peek(version.model, version.version);
    if (policy !== 'reject') return;
    if (cached === undefined) {
      return this.references.get(version.model, version.version).then((reference) => {
        if (reference !== null) this.enforce(version, reference, inputs);
      });
    }
    if (cached !== null) this.enforce(version, cached, inputs);
  }

  private enforce(
    version: VersionRecord,
    reference: ReferenceRecord,
    inputs: Readonly<Record<string, RuntimeTensor>>,
  ): void {
    const prepared = this.prepare(reference);
    const features = this.featuresFor(prepared, version);
    if (features.length === 0) return;
    const { violations: failed, rows } = checkRequest(prepared.rules, features, inputs);
    if (failed.length === 0) return;
    throw FerryError.withoutStack(
      'INVALID_INPUT',
      rejectionMessage(version.model, version.version, prepared.rules, failed, rows),
      {
        details: {
          violations: failed
            .slice(0, 100)
            .map(({ feature, reason, value, row }) => ({ feature, reason, value, row })),
        },
      },
    );
  }

  /**
   * The prediction log's flagger (`log.useFlagger(validator.flag)`): reasons by row for one
   * version's stored rows under `flag`. Off the hot path; never quotes values.
   */
  readonly flag: PredictionFlagger = (columns) => {
    const flagged = new Map<number, readonly string[]>();
    if (this.policyOf(columns.model) !== 'flag') return flagged;
    const reference = this.references.peek(columns.model, columns.version);
    if (reference === null || reference === undefined) return flagged;
    const prepared = this.prepare(reference);
    for (const [row, violations] of prepared.rules.checkColumns(columns, prepared.skipWhenFlagging)) {
      flagged.set(
        row,
        violations.map((violation) => {
          const text = flagReason(prepared.rules, violation);
          if (!this.reasons.has(text))
            this.reasons.set(text, { feature: violation.feature, reason: violation.reason });
          return text;
        }),
      );
    }
    return flagged;
  };

  /** A log subscriber counting the stored flags per model, version, feature and reason. */
  readonly countFlags = (batch: LoggedPredictions): void => {
    if (this.observer === undefined) return;
    const counts = new Map<
      string,
      { model: string; version: number; feature: string; reason: ViolationReason; count: number }
    >();
    for (const group of batch.groups) {
      for (const flags of group.columns.flags.values()) {
        for (const text of flags) {
          const known = this.reasons.get(text);
          if (known === undefined) continue;
          const key = `${group.model}\u0000${group.version}\u0000${text}`;
          const entry = counts.get(key);
          if (entry === undefined)
            counts.set(key, { model: group.model, version: group.version, ...known, count: 1 });
          else entry.count += 1;
        }
      }
    }
    for (const { model, version, feature, reason, count } of counts.values()) {
      this.observer.validationFlagged(model, version, feature, reason, count);
    }
  };

  /** The rules of a reference (made once per reference) and what flagging skips. */
  private prepare(reference: ReferenceRecord): Prepared {
    let prepared = this.prepared.get(reference);
    if (prepared === undefined) {
      const rules = ValidationRules.fromReference(reference.profile, this.config.monitoring.rangeTolerance);
      prepared = { rules, features: undefined, skipWhenFlagging: this.skipped(reference.model, rules) };
      this.prepared.set(reference, prepared);
    }
    return prepared;
  }

  /** The input features the rules check, as the version's signature lays them out (made once). */
  private featuresFor(prepared: Prepared, version: VersionRecord): readonly FeatureSpec[] {
    if (prepared.features === undefined) {
      const names = new Set(prepared.rules.featureNames);
      prepared.features = cachedFeaturesOf(version.signature).features.filter(
        (feature) => feature.source === 'input' && names.has(feature.name),
      );
    }
    return prepared.features;
  }

  /** Features of `model` whose stored values flagging cannot compare: hashed, or categorical text a mask may rewrite. */
  private skipped(model: string, rules: ValidationRules): Set<string> {
    const { redact } = monitoringSettingsFor(this.config, model);
    const redactor = new Redactor(redact, '');
    const skip = new Set<string>();
    for (const rule of rules.rules) {
      if (redactor.decide(rule.name) === 'hash') skip.add(rule.name);
      const masked = redact.mask.some(
        (mask) => mask.fields === undefined || mask.fields.some((field) => covers(field, rule.name)),
      );
      if (rule.kind === 'categorical' && masked) skip.add(rule.name);
    }
    return skip;
  }
}
