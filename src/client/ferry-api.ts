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
import type { ExportFormat, FeedbackItem, FeedbackResult, PredictionPage } from '../monitoring/index.js';
// profiles and drift (src/monitoring/{profiles,drift})
import type { DatasetFormat, DriftQuery, DriftReport, ReferenceView } from '../monitoring/index.js';
// performance and fairness (src/monitoring/performance)
import type { FairnessView, PerformanceReport } from '../monitoring/index.js';
// alerts (src/monitoring/alerts)
import type {
  AlertEventView,
  AlertHistoryQuery,
  AlertListQuery,
  AlertRuleView,
  AlertStatusView,
} from '../monitoring/alerts/index.js';

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
// alerts (src/monitoring/alerts)
export type {
  AlertDeliveryView,
  AlertEventView,
  AlertHistoryQuery,
  AlertListQuery,
  AlertRuleView,
  AlertStateKind,
  AlertStatusView,
} from '../monitoring/alerts/index.js';
// profiles and drift (src/monitoring/{profiles,drift})
export type {
  DatasetFormat,
  DriftQuery,
  DriftReport,
  DriftVerdict,
  FeatureDriftView,
  FeatureSummary,
  ReferenceView,
} from '../monitoring/index.js';
export type {
  ExportFormat,
  FeedbackItem,
  FeedbackResult,
  FeedbackStatus,
  FeedbackRecord,
  JoinedPrediction,
  PredictionPage,
  PredictionRecord,
} from '../monitoring/index.js';

// --- performance and fairness (src/monitoring/performance) ---
export type {
  ClassificationSummary,
  FairnessGroup,
  FairnessView,
  PerformanceMetrics,
  PerformanceReport,
  RegressionSummary,
  SliceGroupReport,
  SliceReport,
  Verdict,
} from '../monitoring/index.js';

/** Which window and version a report covers. */
export interface ReportScopeRequest {
  readonly model: string;
  /** A version number or an alias; absent: every version logged in the window, pooled. */
  readonly version?: string | undefined;
  /** `current` (default), `last` or `<from>/<to>` (ISO-8601 times). */
  readonly window?: string | undefined;
  /** The positive class, instead of `monitoring.positiveClass`. */
  readonly positiveClass?: string | undefined;
}

/** A live performance report (`GET /api/v1/models/{model}/performance`). */
export interface PerformanceRequest extends ReportScopeRequest {
  /** Slice by this feature, instead of `monitoring.sliceFeatures`. */
  readonly slice?: string | undefined;
}

/** A fairness report (`GET /api/v1/models/{model}/fairness`). */
export interface FairnessRequest extends ReportScopeRequest {
  /** The sensitive feature, instead of `monitoring.sensitiveFeature`. */
  readonly feature?: string | undefined;
}
// --- end performance and fairness ---

/** Which logged predictions to list (`GET /api/v1/predictions`). Times are ISO-8601. */
export interface PredictionListRequest {
  readonly model?: string | undefined;
  readonly version?: number | undefined;
  /** Inclusive. */
  readonly from?: string | undefined;
  /** Exclusive. */
  readonly to?: string | undefined;
  /** 1–1000, default 100. */
  readonly limit?: number | undefined;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | undefined;
}

/** What to export (`GET /api/v1/predictions/export`). */
export interface PredictionExportRequest {
  readonly model: string;
  readonly version?: number | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly format: ExportFormat;
  /** Include each prediction's feedback. */
  readonly feedback?: boolean | undefined;
}

// --- profiles (src/monitoring/profiles) ---
/** A reference dataset to attach to a version (`PUT …/versions/{v}/reference`). */
export interface ReferenceRequest {
  readonly model: string;
  /** A version number or alias; undefined means the default version. */
  readonly ref: string | undefined;
  /** Path of the CSV or NDJSON file. */
  readonly file: string;
  readonly format: DatasetFormat;
  /** Name stored with the profile (default: the file's name). */
  readonly source?: string | undefined;
}
// --- end profiles ---

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
  // --- monitoring (src/monitoring): prediction log and feedback ---
  /** One page of logged predictions, newest first, with their feedback. */
  listPredictions(request: PredictionListRequest): Promise<PredictionPage>;
  /** An export as text chunks; errors in the request are thrown before the first chunk. */
  exportPredictions(request: PredictionExportRequest): Promise<AsyncIterable<string>>;
  /** Send up to 1000 feedback items; one result per item, in order. */
  sendFeedback(items: readonly FeedbackItem[]): Promise<FeedbackResult[]>;
  // --- end monitoring ---
  // --- performance and fairness (src/monitoring/performance) ---
  /** Live metrics of a model in a window, from predictions joined with feedback. */
  performance(request: PerformanceRequest): Promise<PerformanceReport>;
  /** Group fairness of a model's predictions in a window. */
  fairness(request: FairnessRequest): Promise<FairnessView>;
  // --- end performance and fairness ---
  // --- alerts (src/monitoring/alerts) ---
  /** Current alert states of the configured rules, by rule then model. */
  listAlerts(query?: AlertListQuery): Promise<AlertStatusView[]>;
  /** Changes of alert state, newest first, with the delivery of their notifications. */
  alertHistory(query?: AlertHistoryQuery): Promise<AlertEventView[]>;
  /** The configured alert rules. */
  alertRules(): Promise<AlertRuleView[]>;
  // --- end alerts ---
  // --- profiles and drift (src/monitoring/{profiles,drift}) ---
  /** Build and store a version's reference profile from a dataset file; returns its summary. */
  putReference(request: ReferenceRequest): Promise<ReferenceView>;
  /** The summary of a version's reference profile (REFERENCE_NOT_FOUND when it has none). */
  getReference(model: string, ref: string | undefined): Promise<ReferenceView>;
  /** Remove a version's reference profile (REFERENCE_NOT_FOUND when it has none). */
  deleteReference(model: string, ref: string | undefined): Promise<void>;
  /** The drift report of a version over a range of monitoring windows. */
  getDrift(model: string, query?: DriftQuery): Promise<DriftReport>;
  // --- end profiles and drift ---
  close(): Promise<void>;
}
