import type { FerryConfig } from '../core/index.js';

/** The serving settings of one model: `serving.*` with `models.overrides.<model>` on top. */
export type ServingSettings = FerryConfig['serving'];

export function servingSettingsFor(config: FerryConfig, model: string): ServingSettings {
  return { ...config.serving, ...config.models.overrides[model] };
}
