import type { Logger } from '../../core/index.js';
import { stampOf, type ReferenceRecord, type ReferenceStore } from './reference-store.js';

/** How long a cached reference (or its absence) is trusted before its stamp is checked again. */
export const REFERENCE_REFRESH_MS = 10_000;

interface Entry {
  /** The reference, or null when the version has none. */
  reference: ReferenceRecord | null;
  checkedAt: number;
}

const keyOf = (model: string, version: number): string => `${model}\u0000${version}`;

/**
 * Reference profiles kept in memory for the live profiler, input validation and drift. An entry is
 * trusted for {@link REFERENCE_REFRESH_MS}; after that, the next read checks the stored stamp (one
 * small query) and reloads the profile only when it changed, so a reference attached through
 * another replica is picked up within that time. This process's own changes apply at once
 * (`set`, `invalidate`).
 */
export class ReferenceCache {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<ReferenceRecord | null>>();

  constructor(
    private readonly store: ReferenceStore,
    private readonly options: {
      readonly refreshMs?: number;
      readonly clock?: () => number;
      readonly logger?: Logger | undefined;
      /** Told when a version's reference changed (loaded, replaced, removed). */
      readonly onChange?: (model: string, version: number) => void;
    } = {},
  ) {}

  private get now(): number {
    return (this.options.clock ?? Date.now)();
  }

  private get refreshMs(): number {
    return this.options.refreshMs ?? REFERENCE_REFRESH_MS;
  }

  /**
   * What is cached for a version, without waiting: the reference, null when it has none, or
   * undefined when it was never loaded. A stale or missing entry starts a load in the background.
   */
  peek(model: string, version: number): ReferenceRecord | null | undefined {
    const key = keyOf(model, version);
    const entry = this.entries.get(key);
    if (entry === undefined || this.now - entry.checkedAt >= this.refreshMs) {
      this.get(model, version).catch((error: unknown) =>
        this.options.logger?.warn({ err: error, model, version }, 'reference profile not loaded'),
      );
    }
    return entry?.reference;
  }

  /** The reference of a version (null when it has none), from memory while fresh. */
  get(model: string, version: number): Promise<ReferenceRecord | null> {
    const key = keyOf(model, version);
    const entry = this.entries.get(key);
    if (entry !== undefined && this.now - entry.checkedAt < this.refreshMs)
      return Promise.resolve(entry.reference);
    let pending = this.loading.get(key);
    if (pending === undefined) {
      pending = this.load(key, model, version, entry).finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private async load(
    key: string,
    model: string,
    version: number,
    entry: Entry | undefined,
  ): Promise<ReferenceRecord | null> {
    const checkedAt = this.now;
    if (entry !== undefined) {
      const stamp = await this.store.stamp(model, version);
      const current = entry.reference === null ? undefined : stampOf(entry.reference);
      if (stamp === current) {
        entry.checkedAt = checkedAt;
        return entry.reference;
      }
    }
    const reference = (await this.store.get(model, version)) ?? null;
    this.entries.set(key, { reference, checkedAt });
    if (entry === undefined || entry.reference !== reference) this.options.onChange?.(model, version);
    return reference;
  }

  /** Cache a reference this process just stored. */
  set(reference: ReferenceRecord): void {
    this.entries.set(keyOf(reference.model, reference.version), { reference, checkedAt: this.now });
    this.options.onChange?.(reference.model, reference.version);
  }

  /** Forget a version's entry (the next read loads it). */
  invalidate(model: string, version: number): void {
    this.entries.delete(keyOf(model, version));
    this.options.onChange?.(model, version);
  }
}
