import type { Signature, VersionRecord, VersionRef } from '../registry/index.js';

/** The part of the registry the hot path needs. */
export interface VersionLookup {
  getVersion(model: string, ref: VersionRef): Promise<VersionRecord>;
}

const refKey = (ref: VersionRef): string =>
  ref.kind === 'number' ? `#${ref.version}` : ref.kind === 'alias' ? `@${ref.alias}` : '*';

/**
 * Resolves (model, version-or-alias) to a version record with a short cache, so the hot path does
 * not query the database on every request. Changes made through this process call `invalidate`,
 * so they apply at once; changes made elsewhere apply within `ttlMs`.
 */
export class VersionResolver {
  private readonly cache = new Map<string, { record: VersionRecord; expires: number }>();
  /**
   * Each version's signature object as first read, by model and version. A version is immutable,
   * so a re-read (every `ttlMs`) hands out the same object: the prediction log's stages and
   * segment plans and the feature lists (`cachedFeaturesOf`) are kept per signature object, and a
   * new one at each re-read sealed the log's stage early (a fresh one, arrays and all) and derived
   * every feature column again.
   */
  private readonly signatures = new Map<string, { json: string; signature: Signature }>();

  constructor(
    private readonly lookup: VersionLookup,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  async resolve(model: string, ref: VersionRef): Promise<VersionRecord> {
    const key = `${model}\u0000${refKey(ref)}`;
    const hit = this.cache.get(key);
    if (hit !== undefined && hit.expires > this.now()) return hit.record;
    const record = this.withKnownSignature(await this.lookup.getVersion(model, ref));
    if (this.ttlMs > 0) this.cache.set(key, { record, expires: this.now() + this.ttlMs });
    return record;
  }

  private withKnownSignature(record: VersionRecord): VersionRecord {
    const key = `${record.model}\u0000${record.version}`;
    const known = this.signatures.get(key);
    // Compared by content: a number deleted and pushed again may come with another signature.
    const json = JSON.stringify(record.signature);
    if (known === undefined || known.json !== json) {
      this.signatures.set(key, { json, signature: record.signature });
      return record;
    }
    return record.signature === known.signature ? record : { ...record, signature: known.signature };
  }

  /** The cached resolution, if fresh; never queries (for decisions taken before a request is read). */
  peek(model: string, ref: VersionRef): VersionRecord | undefined {
    const hit = this.cache.get(`${model}\u0000${refKey(ref)}`);
    return hit !== undefined && hit.expires > this.now() ? hit.record : undefined;
  }

  /** Forget every cached resolution of a model (after an alias move, push or delete). */
  invalidate(model: string): void {
    for (const key of this.cache.keys()) if (key.startsWith(`${model}\u0000`)) this.cache.delete(key);
  }
}
