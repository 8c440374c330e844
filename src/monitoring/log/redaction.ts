import { createHmac } from 'node:crypto';
import { FerryError } from '../../core/index.js';
import type { FeatureValue } from '../features/extract-rows.js';
import type { RedactSettings } from '../monitoring-settings.js';

interface Mask {
  readonly pattern: RegExp;
  readonly replacement: string;
  readonly fields: readonly string[] | undefined;
}

/** Does `field` (a feature or output name, or a tensor name) cover the value named `name`? */
function covers(field: string, name: string): boolean {
  return name === field || (name.startsWith(field) && name.charCodeAt(field.length) === 91); /* [ */
}

/** Compile the masks of a model's settings; an invalid pattern is INVALID_CONFIG naming `where`. */
function compileMasks(settings: RedactSettings, where: string): Mask[] {
  return settings.mask.map((mask, index) => {
    let pattern: RegExp;
    try {
      pattern = new RegExp(mask.pattern, 'g');
    } catch (error) {
      throw new FerryError(
        'INVALID_CONFIG',
        `${where}.mask[${index}].pattern is not a valid regular expression: ${(error as Error).message}`,
        { cause: error },
      );
    }
    return { pattern, replacement: mask.replacement, fields: mask.fields };
  });
}

/**
 * Applies one model's redaction to named values before they are stored: `drop` removes fields,
 * `hash` replaces a value by the hex HMAC-SHA256 of its text under the database's salt (stable, so
 * equal values still join and group, but not readable), `mask` replaces matches of a regular
 * expression in the remaining text values. A field names a feature or output (`age`,
 * `probabilities[fraud]`) or a whole tensor (`probabilities` covers all its columns). Missing
 * values (null) stay null.
 */
export class Redactor {
  private readonly masks: Mask[];
  private readonly decisions = new Map<string, 'keep' | 'drop' | 'hash'>();

  constructor(
    private readonly settings: RedactSettings,
    private readonly salt: string,
    where = 'monitoring.redact',
  ) {
    this.masks = compileMasks(settings, where);
  }

  /** True when the settings change nothing, so records can skip redaction. */
  get isEmpty(): boolean {
    return this.settings.drop.length === 0 && this.settings.hash.length === 0 && this.masks.length === 0;
  }

  /** What happens to the value named `name`. Drop wins over hash. */
  decide(name: string): 'keep' | 'drop' | 'hash' {
    let decision = this.decisions.get(name);
    if (decision === undefined) {
      decision = this.settings.drop.some((field) => covers(field, name))
        ? 'drop'
        : this.settings.hash.some((field) => covers(field, name))
          ? 'hash'
          : 'keep';
      this.decisions.set(name, decision);
    }
    return decision;
  }

  /** The salted hash of a value, as stored for a hashed field. */
  hash(value: Exclude<FeatureValue, null>): string {
    return createHmac('sha256', this.salt).update(String(value)).digest('hex');
  }

  /** One value as stored under a name that is not dropped: hashed, masked (text) or as it is. */
  value(name: string, value: FeatureValue): FeatureValue {
    if (value === null) return null;
    if (this.decide(name) === 'hash') return this.hash(value);
    return typeof value === 'string' ? this.mask(name, value) : value;
  }

  /** The redacted copy of named values. */
  apply(values: Readonly<Record<string, FeatureValue>>): Record<string, FeatureValue> {
    const result: Record<string, FeatureValue> = {};
    for (const name in values) {
      const value = values[name]!;
      const decision = this.decide(name);
      if (decision === 'drop') continue;
      if (decision === 'hash') result[name] = value === null ? null : this.hash(value);
      else result[name] = typeof value === 'string' ? this.mask(name, value) : value;
    }
    return result;
  }

  private mask(name: string, text: string): string {
    let masked = text;
    for (const mask of this.masks) {
      if (mask.fields !== undefined && !mask.fields.some((field) => covers(field, name))) continue;
      mask.pattern.lastIndex = 0;
      masked = masked.replace(mask.pattern, mask.replacement);
    }
    return masked;
  }
}
