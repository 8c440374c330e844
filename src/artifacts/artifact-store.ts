import type { Readable } from 'node:stream';

/** What a successful `put` stored. */
export interface StoredArtifact {
  /** Lowercase hex sha256 of the bytes: the artifact's address. */
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** Options of `ArtifactStore.put`. */
export interface PutOptions {
  /** Refuse (ARTIFACT_TOO_LARGE) and store nothing when the content is larger than this. */
  readonly maxBytes?: number;
}

/**
 * Content-addressed storage for model artifacts: bytes go in, their sha256 comes out, and the
 * same bytes are stored once. Every read verifies the digest. Implementations live in one folder
 * each (`fs/`, later `s3/`).
 */
export interface ArtifactStore {
  /**
   * Store content streamed from `source`, hashing it on the way. Nothing is visible at the
   * address until the content is complete and durable; a failed or too-large put leaves nothing.
   */
  put(source: Readable | Uint8Array, options?: PutOptions): Promise<StoredArtifact>;
  /** Read and verify an artifact: ARTIFACT_MISSING when absent, ARTIFACT_CORRUPTED on a digest mismatch. */
  get(sha256: string): Promise<Uint8Array>;
  /** Is an artifact stored at this address? (Does not verify its content.) */
  has(sha256: string): Promise<boolean>;
  /** Remove an artifact; removing an absent one is not an error. */
  delete(sha256: string): Promise<void>;
}
