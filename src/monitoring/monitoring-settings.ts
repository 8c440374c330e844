import type { FerryConfig } from '../core/index.js';

/** A mask of `monitoring.redact.mask`: a regular expression replaced in text values. */
export interface MaskSetting {
  readonly pattern: string;
  readonly replacement: string;
  /** Fields whose text is masked; every text value when absent. */
  readonly fields?: readonly string[] | undefined;
}

/** Redaction of one model, every list present. */
export interface RedactSettings {
  readonly drop: readonly string[];
  readonly hash: readonly string[];
  readonly mask: readonly MaskSetting[];
}

/** The monitoring settings that may differ per model (`monitoring.overrides.<model>`). */
export type ModelMonitoringSettings = { readonly redact: RedactSettings } & Pick<
  FerryConfig['monitoring'],
  | 'sampleRate'
  | 'validation'
  | 'task'
  | 'predictionOutput'
  | 'scoreOutput'
  | 'positiveClass'
  | 'sensitiveFeature'
  | 'sliceFeatures'
>;

/**
 * The monitoring settings of one model: the per-model keys of `monitoring.*` with
 * `monitoring.overrides.<model>` on top. `redact` merges key by key, so an override of `hash` keeps
 * the default `drop` list.
 */
export function monitoringSettingsFor(config: FerryConfig, model: string): ModelMonitoringSettings {
  const base = config.monitoring;
  const override = base.overrides[model] ?? {};
  return {
    sampleRate: override.sampleRate ?? base.sampleRate,
    validation: override.validation ?? base.validation,
    redact: {
      drop: override.redact?.drop ?? base.redact.drop ?? [],
      hash: override.redact?.hash ?? base.redact.hash ?? [],
      mask: override.redact?.mask ?? base.redact.mask ?? [],
    },
    task: override.task ?? base.task,
    predictionOutput: override.predictionOutput ?? base.predictionOutput,
    scoreOutput: override.scoreOutput ?? base.scoreOutput,
    positiveClass: override.positiveClass ?? base.positiveClass,
    sensitiveFeature: override.sensitiveFeature ?? base.sensitiveFeature,
    sliceFeatures: override.sliceFeatures ?? base.sliceFeatures,
  };
}
