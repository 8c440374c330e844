/** Content-addressed artifact storage: the interface and its implementations. */
export type { ArtifactStore, PutOptions, StoredArtifact } from './artifact-store.js';
export { FsArtifactStore } from './fs/fs-artifact-store.js';
export { isSha256, assertSha256 } from './sha256.js';
