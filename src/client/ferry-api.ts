import type {
  AliasEvent,
  Lineage,
  ModelRecord,
  PushResult,
  SignatureOverrides,
  VersionRecord,
} from '../registry/registry-types.js';
import type { InferenceResponse } from '../serving/inference-service.js';

export type {
  AliasEvent,
  Lineage,
  ModelRecord,
  PushResult,
  SignatureOverrides,
  VersionRecord,
} from '../registry/registry-types.js';
export type { InferenceResponse } from '../serving/inference-service.js';

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
  getModel(model: string): Promise<{ model: ModelRecord; versions: VersionRecord[] }>;
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
