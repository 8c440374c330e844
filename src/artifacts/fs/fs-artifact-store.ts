import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { FerryError } from '../../core/index.js';
import type { ArtifactStore, PutOptions, StoredArtifact } from '../artifact-store.js';
import { assertSha256 } from '../sha256.js';

const READ_CHUNK_BYTES = 1 << 20;

function isNotFound(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

async function* chunksOf(source: Readable | Uint8Array): AsyncGenerator<Uint8Array> {
  if (source instanceof Uint8Array) {
    yield source;
    return;
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
  }
}

/** Make a rename or a new file durable by syncing its folder (a no-op where folders cannot be synced). */
async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } catch {
    // Some platforms and file systems refuse fsync on a folder; the file itself is already synced.
  } finally {
    await folder.close();
  }
}

/**
 * Artifacts as files under `root`: `sha256/<first 2 hex>/<64 hex>`, written through `tmp/` so a
 * reader never sees a partial file. Paths are only ever built from validated digests.
 */
export class FsArtifactStore implements ArtifactStore {
  private readonly tmpFolder: string;

  constructor(private readonly root: string) {
    this.tmpFolder = join(root, 'tmp');
  }

  /** Where an artifact lives on disk. Reading the file directly skips digest verification. */
  pathOf(sha256: string): string {
    const digest = assertSha256(sha256);
    return join(this.root, 'sha256', digest.slice(0, 2), digest);
  }

  async put(source: Readable | Uint8Array, options: PutOptions = {}): Promise<StoredArtifact> {
    await mkdir(this.tmpFolder, { recursive: true });
    const tmpPath = join(this.tmpFolder, `${randomUUID()}.part`);
    let moved = false;
    try {
      const { sha256, sizeBytes } = await this.writeHashed(tmpPath, source, options.maxBytes);
      const target = this.pathOf(sha256);
      if (!(await this.has(sha256))) {
        const shard = dirname(target);
        await mkdir(shard, { recursive: true });
        await rename(tmpPath, target);
        moved = true;
        await syncFolder(shard);
      }
      return { sha256, sizeBytes };
    } finally {
      if (!moved) await rm(tmpPath, { force: true });
    }
  }

  private async writeHashed(
    tmpPath: string,
    source: Readable | Uint8Array,
    maxBytes: number | undefined,
  ): Promise<StoredArtifact> {
    const hash = createHash('sha256');
    let sizeBytes = 0;
    const file = await open(tmpPath, 'wx');
    try {
      for await (const chunk of chunksOf(source)) {
        sizeBytes += chunk.byteLength;
        if (maxBytes !== undefined && sizeBytes > maxBytes) {
          throw new FerryError(
            'ARTIFACT_TOO_LARGE',
            `the artifact is larger than the limit of ${maxBytes} bytes (registry.maxArtifactBytes); raise the limit or push a smaller model`,
            { details: { maxBytes } },
          );
        }
        hash.update(chunk);
        await file.write(chunk);
      }
      await file.sync();
    } finally {
      await file.close();
    }
    return { sha256: hash.digest('hex'), sizeBytes };
  }

  async get(sha256: string): Promise<Uint8Array> {
    const path = this.pathOf(sha256);
    let file;
    try {
      file = await open(path, 'r');
    } catch (error) {
      if (isNotFound(error)) throw missing(sha256, error);
      throw error;
    }
    try {
      const { size } = await file.stat();
      const bytes = Buffer.allocUnsafe(size);
      const hash = createHash('sha256');
      let offset = 0;
      while (offset < size) {
        const { bytesRead } = await file.read(
          bytes,
          offset,
          Math.min(READ_CHUNK_BYTES, size - offset),
          offset,
        );
        if (bytesRead === 0) break;
        hash.update(bytes.subarray(offset, offset + bytesRead));
        offset += bytesRead;
      }
      const actual = hash.digest('hex');
      if (offset !== size || actual !== sha256) {
        throw new FerryError(
          'ARTIFACT_CORRUPTED',
          `artifact ${sha256} is corrupted: its bytes now hash to ${actual}; push the model again from its original file`,
          { details: { sha256, actual } },
        );
      }
      return bytes;
    } finally {
      await file.close();
    }
  }

  async has(sha256: string): Promise<boolean> {
    try {
      return (await stat(this.pathOf(sha256))).isFile();
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }
}

function missing(sha256: string, cause: unknown): FerryError {
  return new FerryError(
    'ARTIFACT_MISSING',
    `artifact ${sha256} is missing from the artifact store; restore it from a backup or push the model again`,
    { cause, details: { sha256 } },
  );
}
