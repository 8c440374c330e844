import { newRequestId, type FerryConfig, type Logger } from '../../core/index.js';
import type { Signature } from '../../registry/index.js';
import type { PredictionEvent } from '../../serving/index.js';
import { extractRows, rowCountOf, type ExtractedRow, type NamedTensors } from '../features/extract-rows.js';
import { cachedFeaturesOf, type FeatureSpec } from '../features/feature-spec.js';
import { monitoringSettingsFor } from '../monitoring-settings.js';
import { markPacked, PackedLayout, unpackFeatures, type PackedFeatures } from './packed-features.js';
import type { LoggedGroup, PredictionRecord } from './prediction-record.js';
import { Redactor } from './redaction.js';

/**
 * Flags a stored row (input validation against the reference profile). It sees the row as stored,
 * after redaction, and its reasons are stored with the row: they must not quote values.
 */
export interface PredictionFlagger {
  (
    model: string,
    version: number,
    features: Readonly<Record<string, ExtractedRow['features'][string]>>,
  ): readonly string[] | undefined;
  /**
   * The same check of a row whose numeric inputs are packed (see PackedFeatures), without making
   * its features object; when absent, the log makes the object and calls the flagger.
   */
  readonly packed?: (
    model: string,
    version: number,
    features: PackedFeatures,
  ) => readonly string[] | undefined;
}

/**
 * How the log turns the events of one model version into records: the features it profiles, and
 * which input features it packs as float32 (numeric, read from an FP32 tensor, kept as they are).
 */
interface VersionPlan {
  readonly signature: Signature;
  readonly redactor: Redactor;
  /** Every feature of the signature. */
  readonly features: readonly FeatureSpec[];
  /** What subscribers may profile (not dropped, not hashed). */
  readonly profiled: readonly FeatureSpec[];
  /** Undefined when nothing is packed. */
  readonly layout: PackedLayout | undefined;
  readonly packed: readonly FeatureSpec[];
  /** The features extracted by name: inputs not packed, and outputs. */
  readonly rest: readonly FeatureSpec[];
  /** The packed features are columns 0…n−1, in order, of one tensor n wide: rows are views of it. */
  readonly contiguous: boolean;
}

/** What a {@link PredictionRecordBuilder} needs. */
export interface PredictionRecordBuilderOptions {
  readonly config: FerryConfig;
  /** Salt of hashed fields (see loadHashSalt). */
  readonly salt: string;
  readonly logger?: Logger | undefined;
}

/**
 * Turns the prediction log's buffered events into the records it stores: named features and
 * outputs, redacted, numeric inputs packed as float32 where they can be, flagged by input
 * validation, grouped by model version. Runs in the flush, off the hot path.
 */
export class PredictionRecordBuilder {
  private readonly redactors = new Map<string, Redactor>();
  private readonly plans = new Map<string, VersionPlan>();
  private flagger: PredictionFlagger | undefined;

  constructor(private readonly options: PredictionRecordBuilderOptions) {}

  /** Flag rows before they are stored (input validation); one flagger at a time. */
  useFlagger(flagger: PredictionFlagger | undefined): void {
    this.flagger = flagger;
  }

  private flag(
    event: PredictionEvent,
    features: PredictionRecord['features'],
  ): readonly string[] | undefined {
    if (this.flagger === undefined) return undefined;
    try {
      return this.flagger(event.model, event.version, features);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'the prediction flagger failed; the row is stored unflagged');
      return undefined;
    }
  }

  private redactorFor(model: string): Redactor {
    let redactor = this.redactors.get(model);
    if (redactor === undefined) {
      const where =
        this.options.config.monitoring.overrides[model]?.redact === undefined
          ? 'monitoring.redact'
          : `monitoring.overrides.${model}.redact`;
      redactor = new Redactor(
        monitoringSettingsFor(this.options.config, model).redact,
        this.options.salt,
        where,
      );
      this.redactors.set(model, redactor);
    }
    return redactor;
  }

  /** How the events of a model version become records (made once per version). */
  private planFor(event: PredictionEvent): VersionPlan {
    const key = `${event.model}\u0000${event.version}`;
    const known = this.plans.get(key);
    if (known !== undefined && known.signature === event.signature) return known;
    const { features } = cachedFeaturesOf(event.signature);
    const redactor = this.redactorFor(event.model);
    const fp32 = new Set(
      event.signature.inputs.filter((spec) => spec.datatype === 'FP32').map((spec) => spec.name),
    );
    const packed = features.filter(
      (feature) =>
        feature.source === 'input' &&
        feature.kind === 'numeric' &&
        fp32.has(feature.tensor) &&
        redactor.decide(feature.name) === 'keep',
    );
    const packedNames = new Set(packed.map((feature) => feature.name));
    const order = features
      .filter((feature) => feature.source === 'input' && redactor.decide(feature.name) !== 'drop')
      .map((feature) => feature.name);
    const width = event.signature.inputs.find((spec) => spec.name === packed[0]?.tensor)?.shape.at(-1);
    const plan: VersionPlan = {
      signature: event.signature,
      redactor,
      features,
      profiled: features.filter((feature) => redactor.decide(feature.name) === 'keep'),
      layout: packed.length === 0 ? undefined : new PackedLayout(order, [...packedNames]),
      packed,
      rest: features.filter((feature) => !packedNames.has(feature.name)),
      contiguous:
        packed.length === width &&
        packed.every((feature, i) => feature.tensor === packed[0]!.tensor && feature.column === i),
    };
    this.plans.set(key, plan);
    return plan;
  }

  /** Turn buffered events into redacted records, grouped by model version (insertion order). */
  toGroups(events: readonly PredictionEvent[]): LoggedGroup[] {
    const groups = new Map<
      string,
      { model: string; version: number; features: readonly FeatureSpec[]; records: PredictionRecord[] }
    >();
    for (const event of events) {
      const key = `${event.model}\u0000${event.version}`;
      const plan = this.planFor(event);
      let group = groups.get(key);
      if (group === undefined) {
        group = { model: event.model, version: event.version, features: plan.profiled, records: [] };
        groups.set(key, group);
      }
      this.appendRecords(event, plan, group.records);
    }
    return [...groups.values()];
  }

  private appendRecords(event: PredictionEvent, plan: VersionPlan, out: PredictionRecord[]): void {
    const { redactor } = plan;
    const requestId = event.requestId ?? newRequestId();
    const at = new Date(event.at).toISOString();
    const base = {
      at,
      model: event.model,
      version: event.version,
      latencyMs: event.latencyMs,
      status: event.status,
      ...(event.code === undefined ? {} : { code: event.code }),
      caller: event.caller,
    };
    if (event.inputs === undefined && event.outputs === undefined) {
      out.push({ ...base, requestId, features: {}, outputs: {}, ...flagsOf(event.flags) });
      return;
    }
    const rowCount = rowCountOf(plan.features, event.inputs, event.outputs);
    const packable = plan.layout !== undefined && rowCount > 0 && isPackable(plan.packed, event.inputs);
    const rows = extractRows(
      packable ? plan.rest : plan.features,
      event.inputs,
      event.outputs,
      packable ? rowCount : undefined,
    );
    if (rows.length === 0) {
      out.push({ ...base, requestId, features: {}, outputs: {}, ...flagsOf(event.flags) });
      return;
    }
    const empty = redactor.isEmpty;
    rows.forEach((row, index) => {
      const outputs = empty ? row.outputs : redactor.apply(row.outputs);
      const id = rows.length === 1 ? requestId : `${requestId}#${index}`;
      if (!packable) {
        const stored = empty ? row.features : redactor.apply(row.features);
        const flags = withFlags(event.flags, this.flag(event, stored));
        out.push({ ...base, requestId: id, features: stored, outputs, ...flagsOf(flags) });
        return;
      }
      const packed: PackedFeatures = {
        layout: plan.layout,
        values: packedRow(plan, event.inputs!, index),
        rest: empty ? row.features : redactor.apply(row.features),
      };
      let features: Record<string, ExtractedRow['features'][string]> | undefined;
      const record: PredictionRecord = {
        ...base,
        requestId: id,
        // Made on first read only: the store, the profiles and validation read the packed values.
        get features() {
          return (features ??= unpackFeatures(packed));
        },
        outputs,
        ...flagsOf(withFlags(event.flags, this.flagPacked(event, packed))),
      };
      markPacked(record, packed);
      out.push(record);
    });
  }

  private flagPacked(event: PredictionEvent, packed: PackedFeatures): readonly string[] | undefined {
    if (this.flagger === undefined) return undefined;
    if (this.flagger.packed === undefined) return this.flag(event, unpackFeatures(packed));
    try {
      return this.flagger.packed(event.model, event.version, packed);
    } catch (error) {
      this.options.logger?.warn({ err: error }, 'the prediction flagger failed; the row is stored unflagged');
      return undefined;
    }
  }
}

/** Can this request's packed features be read as float32: every tensor present, FP32, 1-D or 2-D? */
function isPackable(packed: readonly FeatureSpec[], inputs: NamedTensors | undefined): boolean {
  for (const feature of packed) {
    const tensor = inputs?.[feature.tensor];
    if (tensor === undefined || tensor.datatype !== 'FP32' || !(tensor.data instanceof Float32Array))
      return false;
    if (tensor.shape.length > 2) return false;
  }
  return true;
}

/** Row `row`'s packed values: a view of the (logged, private) tensor when it lines up, else a copy. */
function packedRow(plan: VersionPlan, inputs: NamedTensors, row: number): Float32Array {
  const first = inputs[plan.packed[0]!.tensor]!;
  const width = plan.packed.length;
  if (plan.contiguous && first.shape.length === 2 && first.shape[1] === width) {
    const data = first.data as Float32Array;
    if ((row + 1) * width <= data.length) return data.subarray(row * width, (row + 1) * width);
  }
  const values = new Float32Array(width);
  plan.packed.forEach((feature, i) => {
    const tensor = inputs[feature.tensor]!;
    const data = tensor.data as Float32Array;
    let index: number;
    if (feature.column === null) index = row;
    else {
      const columns = tensor.shape[tensor.shape.length - 1] ?? 0;
      const rows = tensor.shape.length >= 2 ? (tensor.shape[0] ?? 0) : 1;
      index = feature.column < columns && row < rows ? row * columns + feature.column : -1;
    }
    values[i] = index >= 0 && index < data.length ? data[index]! : NaN;
  });
  return values;
}

function withFlags(
  flags: readonly string[] | undefined,
  flagged: readonly string[] | undefined,
): readonly string[] | undefined {
  return flagged === undefined || flagged.length === 0 ? flags : [...(flags ?? []), ...flagged];
}

function flagsOf(flags: readonly string[] | undefined): { flags?: readonly string[] } {
  return flags === undefined || flags.length === 0 ? {} : { flags };
}
