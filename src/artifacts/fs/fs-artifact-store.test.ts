import { createHash } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsArtifactStore } from './fs-artifact-store.js';
import { expectFerryError } from '../../../test/support/ferry-errors.js';

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const bytes = (text: string) => new TextEncoder().encode(text);

/** All files under a folder, relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1))
    .sort();
}

describe('FsArtifactStore', () => {
  let root: string;
  let store: FsArtifactStore;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'ferry-artifacts-'));
    store = new FsArtifactStore(root);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stores bytes under sha256/<first two hex>/<digest> and reads them back', async () => {
    const content = bytes('hello model');
    const stored = await store.put(content);
    expect(stored).toEqual({ sha256: sha256(content), sizeBytes: content.byteLength });
    expect(await filesUnder(root)).toEqual([join('sha256', stored.sha256.slice(0, 2), stored.sha256)]);
    expect(Buffer.from(await store.get(stored.sha256)).toString()).toBe('hello model');
    expect(await store.has(stored.sha256)).toBe(true);
  });

  it('hashes a stream chunk by chunk to the same address as the whole bytes', async () => {
    const chunks = ['first chunk|', 'second chunk|', 'third'];
    const stored = await store.put(Readable.from(chunks.map((chunk) => Buffer.from(chunk))));
    expect(stored.sha256).toBe(sha256(bytes(chunks.join(''))));
    expect(stored.sizeBytes).toBe(chunks.join('').length);
  });

  it('stores the same bytes once', async () => {
    const first = await store.put(bytes('same'));
    const second = await store.put(Readable.from([Buffer.from('sa'), Buffer.from('me')]));
    expect(second).toEqual(first);
    expect(await filesUnder(root)).toEqual([join('sha256', first.sha256.slice(0, 2), first.sha256)]);
  });

  it('refuses content over maxBytes with ARTIFACT_TOO_LARGE and leaves no file behind', async () => {
    const stream = Readable.from([Buffer.alloc(600), Buffer.alloc(600)]);
    await expectFerryError(store.put(stream, { maxBytes: 1000 }), 'ARTIFACT_TOO_LARGE', '1000 bytes');
    await expectFerryError(store.put(new Uint8Array(1001), { maxBytes: 1000 }), 'ARTIFACT_TOO_LARGE');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('accepts content of exactly maxBytes', async () => {
    const stored = await store.put(new Uint8Array(1000), { maxBytes: 1000 });
    expect(stored.sizeBytes).toBe(1000);
  });

  it('leaves no temp file when the source stream fails midway', async () => {
    const failing = new Readable({
      read() {
        this.push(Buffer.from('partial'));
        this.destroy(new Error('connection reset'));
      },
    });
    await expect(store.put(failing)).rejects.toThrow('connection reset');
    expect(await filesUnder(root)).toEqual([]);
  });

  it('detects bytes changed on disk with ARTIFACT_CORRUPTED', async () => {
    const stored = await store.put(bytes('original'));
    await writeFile(store.pathOf(stored.sha256), 'tampered');
    await expectFerryError(store.get(stored.sha256), 'ARTIFACT_CORRUPTED', stored.sha256);
  });

  it('reports an absent artifact with ARTIFACT_MISSING', async () => {
    const absent = sha256(bytes('never stored'));
    await expectFerryError(store.get(absent), 'ARTIFACT_MISSING');
    expect(await store.has(absent)).toBe(false);
  });

  it('deletes an artifact, and deleting it again is not an error', async () => {
    const stored = await store.put(bytes('short-lived'));
    await store.delete(stored.sha256);
    await store.delete(stored.sha256);
    expect(await store.has(stored.sha256)).toBe(false);
  });

  it.each([
    ['a path', '../../etc/passwd'],
    ['upper-case hex', 'A'.repeat(64)],
    ['a short digest', 'ab12'],
    ['a digest with a separator', `${'a'.repeat(31)}/${'a'.repeat(32)}`],
  ])('refuses %s as a digest before building any path', async (_kind, digest) => {
    await expectFerryError(store.get(digest), 'INVALID_ARGUMENT', 'not a sha256 digest');
    await expectFerryError(store.has(digest), 'INVALID_ARGUMENT', 'not a sha256 digest');
    await expectFerryError(store.delete(digest), 'INVALID_ARGUMENT', 'not a sha256 digest');
    await expectFerryError(() => store.pathOf(digest), 'INVALID_ARGUMENT', 'not a sha256 digest');
  });
});
