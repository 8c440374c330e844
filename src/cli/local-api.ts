import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import type { FerryConfig } from '../core/index.js';
import type {
  FairnessRequest, // performance and fairness
  FairnessView,
  PerformanceReport,
  PerformanceRequest,
  FeedbackItem,
  FeedbackResult,
  FerryApi,
  PredictionExportRequest,
  PredictionListRequest,
  PredictionPage,
  PushRequest,
  DriftQuery, // profiles and drift (src/monitoring/{profiles,drift})
  DriftReport,
  ReferenceRequest,
  ReferenceView,
} from '../client/index.js';
import {
  FeedbackService,
  FeedbackStore,
  MAX_FEEDBACK_ITEMS,
  PredictionStore,
  PerformanceService, // performance and fairness
  exportPredictions,
  parsePageLimit,
  parsePredictionWindow,
  createDriftMonitoring, // profiles and drift (src/monitoring/{profiles,drift})
  type DriftMonitoring,
} from '../monitoring/index.js';
import { FerryError } from '../core/index.js';
// alerts (src/monitoring/alerts)
import {
  alertRulesFrom,
  AlertService,
  AlertStore,
  type AlertEventView,
  type AlertHistoryQuery,
  type AlertListQuery,
  type AlertRuleView,
  type AlertStatusView,
} from '../monitoring/alerts/index.js';
import { openStores, type FerryStores } from '../server/index.js';
import { parseVersionRef } from '../registry/index.js';
import type { AliasEvent, ModelDetail, ModelRecord, PushResult, VersionRecord } from '../registry/index.js';
import { ModelManager } from '../runtime/index.js';
import { OnnxRuntime } from '../runtime/index.js';
import { InferenceService, NO_OBSERVER, toJsonResponse, type InferenceResponse } from '../serving/index.js';
import { VersionResolver } from '../serving/index.js';

// An empty USER (as some containers set it) is no name: fall back to 'cli'.
const ACTOR = process.env.USER || 'cli';

/**
 * The CLI's API over a data folder directly, when no server is named. Inference runs in this
 * process with the same code path as the server.
 */
export class LocalApi implements FerryApi {
  private inference: { service: InferenceService; models: ModelManager } | undefined;
  private driftMonitoring: DriftMonitoring | undefined; // profiles and drift

  private constructor(
    private readonly stores: FerryStores,
    private readonly config: FerryConfig,
  ) {}

  static async open(config: FerryConfig): Promise<LocalApi> {
    return new LocalApi(await openStores(config), config);
  }

  private get registry() {
    return this.stores.registry;
  }

  listModels(): Promise<ModelRecord[]> {
    return this.registry.listModels();
  }

  getModel(model: string): Promise<ModelDetail> {
    return this.registry.describeModel(model);
  }

  getVersion(model: string, ref: string | undefined): Promise<VersionRecord> {
    return this.registry.getVersion(model, parseVersionRef(ref));
  }

  async getCard(model: string, ref: string | undefined): Promise<string | null> {
    return (await this.registry.getCard(model, parseVersionRef(ref))).markdown;
  }

  async push(request: PushRequest): Promise<PushResult> {
    // Count bytes as the registry pulls them: a 'data' listener would start the stream flowing
    // before the artifact store reads it, and the chunks emitted meanwhile would be lost.
    async function* counted(path: string): AsyncGenerator<Buffer> {
      let sent = 0;
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
        sent += chunk.length;
        request.onProgress?.(sent, Number.NaN);
        yield chunk;
      }
    }
    const artifact = Readable.from(counted(request.file));
    return this.registry.push({
      model: request.model,
      artifact,
      actor: ACTOR,
      card: request.card,
      lineage: request.lineage,
      signature: request.signature,
      tags: request.tags,
      alias: request.alias,
      reason: request.reason,
      description: request.description,
    });
  }

  setAlias(model: string, alias: string, version: number, reason?: string): Promise<AliasEvent> {
    return this.registry.setAlias(model, alias, version, { actor: ACTOR, reason });
  }

  deleteAlias(model: string, alias: string, reason?: string): Promise<AliasEvent> {
    return this.registry.deleteAlias(model, alias, { actor: ACTOR, reason });
  }

  aliasHistory(model: string, alias?: string): Promise<AliasEvent[]> {
    return this.registry.aliasHistory(model, alias);
  }

  async deleteVersion(model: string, version: number): Promise<void> {
    await this.registry.deleteVersion(model, version, { actor: ACTOR });
  }

  /** The in-process inference stack, made on first use. */
  private engine(): { service: InferenceService; models: ModelManager } {
    if (this.inference === undefined) {
      const models = new ModelManager(new OnnxRuntime(), this.registry, {
        session: {
          intraOpThreads: this.config.runtime.intraOpThreads,
          interOpThreads: this.config.runtime.interOpThreads,
          graphOptimizationLevel: this.config.runtime.graphOptimizationLevel,
        },
        warmup: false,
        loadRetryMs: 0,
      });
      const service = new InferenceService(
        new VersionResolver(this.registry, 0),
        models,
        this.config,
        NO_OBSERVER,
        undefined,
        undefined,
        undefined,
        this.drift().validator, // validation (src/monitoring/validation): `reject` applies here too
      );
      this.inference = { service, models };
    }
    return this.inference;
  }

  async infer(model: string, ref: string | undefined, request: unknown): Promise<InferenceResponse> {
    return toJsonResponse(await this.engine().service.infer(model, parseVersionRef(ref), request));
  }

  // --- monitoring (src/monitoring): the prediction log and feedback in the data folder's database ---
  listPredictions(request: PredictionListRequest): Promise<PredictionPage> {
    return new PredictionStore(this.stores.database).list({
      ...parsePredictionWindow(request),
      limit: parsePageLimit(request.limit),
      cursor: request.cursor,
    });
  }

  exportPredictions(request: PredictionExportRequest): Promise<AsyncIterable<string>> {
    const window = parsePredictionWindow(request);
    return Promise.resolve(
      exportPredictions(new PredictionStore(this.stores.database), {
        ...window,
        model: request.model,
        format: request.format,
        feedback: request.feedback ?? false,
      }),
    );
  }

  sendFeedback(items: readonly FeedbackItem[]): Promise<FeedbackResult[]> {
    if (items.length > MAX_FEEDBACK_ITEMS) {
      return Promise.reject(
        new FerryError('INVALID_ARGUMENT', `send at most ${MAX_FEEDBACK_ITEMS} feedback items per call`),
      );
    }
    return new FeedbackService(new FeedbackStore(this.stores.database)).submit({ items });
  }
  // --- end monitoring ---

  // --- performance and fairness (src/monitoring/performance): reports from the data folder's log ---
  private performanceService(): PerformanceService {
    return new PerformanceService({
      database: this.stores.database,
      registry: this.registry,
      config: this.config,
    });
  }

  performance(request: PerformanceRequest): Promise<PerformanceReport> {
    const { slice, ...scope } = request;
    return this.performanceService().performance({
      ...scope,
      slices: slice === undefined ? undefined : [slice],
    });
  }

  fairness(request: FairnessRequest): Promise<FairnessView> {
    return this.performanceService().fairness(request);
  }
  // --- end performance and fairness ---

  // --- alerts (src/monitoring/alerts): states and history in the data folder's database ---
  private alertService(): AlertService {
    return new AlertService(new AlertStore(this.stores.database), alertRulesFrom(this.config.alerts));
  }

  listAlerts(query: AlertListQuery = {}): Promise<AlertStatusView[]> {
    return this.alertService().list(query);
  }

  alertHistory(query: AlertHistoryQuery = {}): Promise<AlertEventView[]> {
    return this.alertService().history(query);
  }

  alertRules(): Promise<AlertRuleView[]> {
    return Promise.resolve(this.alertService().rules());
  }
  // --- end alerts ---

  // --- profiles and drift (src/monitoring/{profiles,drift}): references are profiled in this process ---
  private drift(): DriftMonitoring {
    this.driftMonitoring ??= createDriftMonitoring({
      config: this.config,
      database: this.stores.database,
      versions: this.registry,
      // The model runs here (loaded on first use) to profile the reference's outputs.
      models: { acquire: (version) => this.engine().models.acquire(version) },
    });
    return this.driftMonitoring;
  }

  async putReference(request: ReferenceRequest): Promise<ReferenceView> {
    const body = await readFile(request.file).catch((error: Error) => {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `cannot read the reference dataset ${request.file}: ${error.message}`,
      );
    });
    if (body.length > this.config.monitoring.referenceMaxBytes) {
      throw new FerryError(
        'BODY_TOO_LARGE',
        `the reference dataset is larger than monitoring.referenceMaxBytes (${this.config.monitoring.referenceMaxBytes} bytes); send a sample of it, or raise the limit`,
      );
    }
    return this.drift().references.attach({
      model: request.model,
      ref: parseVersionRef(request.ref),
      body,
      format: request.format,
      source: request.source ?? basename(request.file),
      actor: ACTOR,
    });
  }

  deleteReference(model: string, ref: string | undefined): Promise<void> {
    return this.drift().references.detach(model, parseVersionRef(ref));
  }

  getReference(model: string, ref: string | undefined): Promise<ReferenceView> {
    return this.drift().references.describe(model, parseVersionRef(ref));
  }

  getDrift(model: string, query: DriftQuery = {}): Promise<DriftReport> {
    return this.drift().drift.report(model, query);
  }
  // --- end profiles and drift ---

  async close(): Promise<void> {
    await this.inference?.models.close();
    await this.stores.database.close();
  }
}
