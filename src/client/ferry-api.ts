import type {
  AliasEvent,
  Lineage,
  ModelDetail,
  ModelRecord,
  PushResult,
  SignatureOverrides,
  VersionRecord,
} from '../registry/index.js';
import type { InferenceResponse } from '../serving/index.js';

export type {
  AliasEvent,
  Lineage,
  ModelDetail,
  ModelRecord,
  PushResult,
  SignatureOverrides,
  VersionRecord,
} from '../registry/index.js';
export type { InferenceResponse } from '../serving/index.js';

/** A push as the client sends it: the model file by path, plus optional metadata. */
export interface PushRequest {
  readonly model: string;
  /** Path of the ONNX file to upload. */
  readonly file: string;
  readonly card?: string | undefined;
  readonly lineage?: Lineage | undefined;
  readonly signature?: SignatureOverrides | undefined;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  readonly alias?: string | undefined;
  readonly reason?: string | undefined;
  readonly description?: string | undefined;
  /** Called as bytes go out, for a progress bar. */
  readonly onProgress?: ((sentBytes: number, totalBytes: number) => void) | undefined;
}

/** The calls the CLI makes, answered by a running server (HTTP) or by a data folder directly. */
export interface FerryApi {
  listModels(): Promise<ModelRecord[]>;
  /** A model with its versions and the version served by default. */
  getModel(model: string): Promise<ModelDetail>;
  /** `ref` is a version number or an alias; undefined means the server's default version. */
  getVersion(model: string, ref: string | undefined): Promise<VersionRecord>;
  getCard(model: string, ref: string | undefined): Promise<string | null>;
  push(request: PushRequest): Promise<PushResult>;
  setAlias(model: string, alias: string, version: number, reason?: string): Promise<AliasEvent>;
  deleteAlias(model: string, alias: string, reason?: string): Promise<AliasEvent>;
  aliasHistory(model: string, alias?: string): Promise<AliasEvent[]>;
  deleteVersion(model: string, version: number): Promise<void>;
  infer(model: string, ref: string | undefined, request: unknown): Promise<InferenceResponse>;
  close(): Promise<void>;
}
