import type { Readable } from 'node:stream';
import type { Datatype } from '../core/index.js';

/** One input or output of a model version, as served. `-1` marks a dynamic dimension. */
export interface TensorSpec {
  readonly name: string;
  readonly datatype: Datatype;
  readonly shape: readonly number[];
  /** Names of the columns along the last dimension (e.g. 30 feature names for a `[-1, 30]` input). */
  readonly features?: readonly string[];
  /** Names of the classes along the last dimension of an output (e.g. class probabilities). */
  readonly labels?: readonly string[];
  /**
   * How monitoring profiles each named column: one kind per entry of `features` (inputs) or `labels`
   * (outputs), or one kind for a 1-D tensor without names. Absent: BYTES and BOOL columns are
   * categorical, every other datatype numeric (INT64 1-D outputs, class labels, are categorical).
   */
  readonly featureKinds?: readonly FeatureKind[];
  readonly description?: string;
}

/** How a feature is profiled: as numbers (quantiles, ranges) or as categories (top values). */
export type FeatureKind = 'numeric' | 'categorical';

/** What a version takes and gives, read from the ONNX file and completed by the user. */
export interface Signature {
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
}

/** What a user may add to the signature read from the file: names and descriptions, never datatypes. */
export interface SignatureOverrides {
  readonly inputs?: Readonly<Record<string, TensorOverride>>;
  readonly outputs?: Readonly<Record<string, TensorOverride>>;
}

export interface TensorOverride {
  readonly features?: readonly string[];
  readonly labels?: readonly string[];
  /** Kinds of the named columns, for monitoring; see {@link TensorSpec.featureKinds}. */
  readonly featureKinds?: readonly FeatureKind[];
  readonly description?: string;
  /** Fix dynamic (-1) dimensions; fixed dimensions must stay as the file declares them. */
  readonly shape?: readonly number[];
}

/** Where a version came from. Every key is optional; unknown keys are refused. */
export interface Lineage {
  readonly trainingData?: { readonly uri: string; readonly digest?: string };
  /** Code reference, e.g. `git+https://example.com/repo@<commit>` or a file path and its digest. */
  readonly code?: string;
  readonly parameters?: Readonly<Record<string, unknown>>;
  readonly metrics?: Readonly<Record<string, number>>;
}

/** A model: a name that groups versions. */
export interface ModelRecord {
  readonly name: string;
  readonly description: string;
  readonly createdAt: string;
  readonly createdBy: string;
  readonly latestVersion: number | null;
  readonly versionCount: number;
  /** alias → version number */
  readonly aliases: Readonly<Record<string, number>>;
}

/** A model, its versions (oldest first) and the version served when a request names none. */
export interface ModelDetail {
  readonly model: ModelRecord;
  readonly versions: readonly VersionRecord[];
  readonly defaultVersion: number | null;
}

/** An immutable version of a model. */
export interface VersionRecord {
  readonly model: string;
  readonly version: number;
  readonly sha256: string;
  readonly sizeBytes: number;
  readonly format: 'onnx';
  readonly createdAt: string;
  readonly createdBy: string;
  readonly signature: Signature;
  readonly lineage: Lineage;
  /** Model card: Markdown with a YAML front matter, or null when none was given. */
  readonly card: string | null;
  readonly tags: Readonly<Record<string, string>>;
  /** Aliases pointing at this version now. */
  readonly aliases: readonly string[];
  /** Facts read from the ONNX file. */
  readonly onnx: {
    readonly irVersion: number;
    readonly producer: string;
    readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  };
}

/** One move of an alias: set (from null), moved, or deleted (to null). */
export interface AliasEvent {
  readonly model: string;
  readonly alias: string;
  readonly fromVersion: number | null;
  readonly toVersion: number | null;
  readonly actor: string;
  readonly reason: string | null;
  readonly at: string;
}

/** Which version a caller means: a number, an alias, or the server's default policy. */
export type VersionRef =
  | { readonly kind: 'number'; readonly version: number }
  | { readonly kind: 'alias'; readonly alias: string }
  | { readonly kind: 'default' };

/** Who does a change and why (recorded with alias moves and deletions). */
export interface Actor {
  readonly actor: string;
  readonly reason?: string | undefined;
}

/** Everything a push takes. The artifact is streamed to the artifact store, never buffered whole by HTTP. */
export interface PushInput extends Actor {
  readonly model: string;
  readonly artifact: Readable | Uint8Array;
  readonly description?: string | undefined;
  readonly card?: string | undefined;
  readonly lineage?: Lineage | undefined;
  readonly signature?: SignatureOverrides | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /** Point this alias at the pushed version (recorded as an alias move). */
  readonly alias?: string | undefined;
}

export interface PushResult {
  readonly version: VersionRecord;
  /** False when the same bytes were already a version of this model: that version is returned. */
  readonly created: boolean;
}
