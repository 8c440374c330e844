import { createHash } from 'node:crypto';
import type { RuntimeTensor } from '../runtime/index.js';
import type { Tensors } from './batching/batch-assembly.js';

/** Bytes a tensor holds (strings counted by their UTF-8 length). */
export function tensorBytes(tensor: RuntimeTensor): number {
  if (Array.isArray(tensor.data))
    return tensor.data.reduce((sum, text) => sum + Buffer.byteLength(text) + 8, 0);
  return tensor.data.byteLength;
}

/**
 * The cache key of a request to one version: the version's identity (model, number and artifact
 * digest) and a sha256 of the canonical inputs (sorted by name: datatype, shape, element bytes) and
 * of the requested outputs. Two versions never share a key, whatever their inputs.
 */
export function cacheKey(
  version: { model: string; version: number; sha256: string },
  inputs: Tensors,
  outputNames: readonly string[],
): string {
  const hash = createHash('sha256');
  for (const name of Object.keys(inputs).sort()) {
    const tensor = inputs[name]!;
    hash.update(`${name}\u0000${tensor.datatype}\u0000${tensor.shape.join(',')}\u0000`);
    if (Array.isArray(tensor.data)) hash.update(JSON.stringify(tensor.data));
    else hash.update(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
  }
  hash.update(`\u0001${[...outputNames].sort().join('\u0000')}`);
  return `${version.model}\u0000${version.version}\u0000${version.sha256}\u0000${hash.digest('hex')}`;
}

interface CacheEntry {
  readonly outputs: Tensors;
  readonly bytes: number;
}

/**
 * A least-recently-used response cache bounded in bytes (shared by every model that enables it).
 * Entries hold output tensors; callers must not mutate them.
 */
export class ResponseCache {
  // A Map iterates in insertion order: re-inserting on a hit makes the first key the least recent.
  private readonly entries = new Map<string, CacheEntry>();
  private usedBytes = 0;
  hits = 0;
  misses = 0;

  constructor(private readonly maxBytes: number) {}

  get bytes(): number {
    return this.usedBytes;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): Tensors | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) {
      this.misses += 1;
      return undefined;
    }
    this.hits += 1;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.outputs;
  }

  set(key: string, outputs: Tensors): void {
    const bytes = Object.values(outputs).reduce((sum, tensor) => sum + tensorBytes(tensor), key.length);
    if (bytes > this.maxBytes) return; // larger than the whole cache: not worth evicting everything
    const previous = this.entries.get(key);
    if (previous !== undefined) {
      this.usedBytes -= previous.bytes;
      this.entries.delete(key);
    }
    this.entries.set(key, { outputs, bytes });
    this.usedBytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.usedBytes <= this.maxBytes) break;
      this.entries.delete(oldest);
      this.usedBytes -= entry.bytes;
    }
  }

  /** Forget every entry of one version (when it is deleted or unloaded). */
  evictVersion(model: string, version: number): void {
    for (const [key, entry] of this.entries) {
      if (key.startsWith(`${model}\u0000${version}\u0000`)) {
        this.entries.delete(key);
        this.usedBytes -= entry.bytes;
      }
    }
  }
}
