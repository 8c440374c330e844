import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { Readable } from 'node:stream';
import { errorCatalog, FerryError, type ErrorCode } from '../core/index.js';
import type {
  AlertEventView, // alerts (src/monitoring/alerts)
  AlertHistoryQuery,
  AlertListQuery,
  AlertRuleView,
  AlertStatusView,
  AliasEvent,
  DriftQuery, // profiles and drift (src/monitoring/{profiles,drift})
  DriftReport,
  ReferenceRequest,
  ReferenceView,
  FairnessRequest, // performance and fairness
  FairnessView,
  PerformanceReport,
  PerformanceRequest,
  FeedbackItem,
  FeedbackResult,
  PredictionExportRequest,
  PredictionListRequest,
  PredictionPage,
  FerryApi,
  InferenceResponse,
  ModelDetail,
  ModelRecord,
  PushRequest,
  PushResult,
  VersionRecord,
} from './ferry-api.js';
import { multipartBody } from './multipart-body.js';

export interface FerryClientOptions {
  /** Base URL of the server, e.g. `http://127.0.0.1:8080`. */
  readonly baseUrl: string;
  /** Recorded as the actor of alias moves (sent as `x-ferry-actor`). */
  readonly actor?: string;
}

const enc = encodeURIComponent;

const isErrorCode = (value: unknown): value is ErrorCode =>
  typeof value === 'string' && value in errorCatalog;

/** Turn an error body of either route family into a FerryError with the server's code and message. */
function errorFromBody(status: number, body: unknown): FerryError {
  const envelope = body as { error?: unknown; code?: unknown } | null;
  const inner = envelope?.error;
  if (typeof inner === 'string')
    return new FerryError(isErrorCode(envelope?.code) ? envelope.code : 'INTERNAL', inner);
  if (typeof inner === 'object' && inner !== null) {
    const { code, message } = inner as { code?: unknown; message?: unknown };
    return new FerryError(
      isErrorCode(code) ? code : 'INTERNAL',
      typeof message === 'string' ? message : `HTTP ${status}`,
    );
  }
  return new FerryError('INTERNAL', `the server answered HTTP ${status}`);
}

/** A typed client for Ferry's REST APIs: `/api/v1` management and the `/v2` inference protocol. */
export class FerryClient implements FerryApi {
  private readonly baseUrl: string;

  constructor(private readonly options: FerryClientOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** Send one request; a network failure is SERVER_UNREACHABLE. */
  private async fetch(
    method: string,
    path: string,
    init: {
      json?: unknown;
      body?: string | ReadableStream<Uint8Array>;
      headers?: Record<string, string>;
      accept?: string;
    } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { accept: init.accept ?? 'application/json', ...init.headers };
    if (this.options.actor !== undefined) headers['x-ferry-actor'] = this.options.actor;
    let body = init.body;
    if (init.json !== undefined) {
      headers['content-type'] = 'application/json';
      body = JSON.stringify(init.json);
    }
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
      });
    } catch (error) {
      const reason = (error as Error & { cause?: Error }).cause?.message ?? (error as Error).message;
      throw new FerryError(
        'SERVER_UNREACHABLE',
        `cannot reach the Ferry server at ${this.baseUrl} (${reason}); is \`ferry serve\` running?`,
        { cause: error },
      );
    }
  }

  private async request<T>(
    method: string,
    path: string,
    init: {
      json?: unknown;
      body?: string | ReadableStream<Uint8Array>;
      headers?: Record<string, string>;
      accept?: string;
    } = {},
  ): Promise<T> {
    const response = await this.fetch(method, path, init);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed: unknown = type.includes('application/json') && text !== '' ? JSON.parse(text) : text;
    if (!response.ok) throw errorFromBody(response.status, parsed);
    return parsed as T;
  }

  async listModels(): Promise<ModelRecord[]> {
    return (await this.request<{ models: ModelRecord[] }>('GET', '/api/v1/models')).models;
  }

  getModel(model: string): Promise<ModelDetail> {
    return this.request('GET', `/api/v1/models/${enc(model)}`);
  }

  /** The version or alias asked for, or the server's default version when `ref` is undefined. */
  private async refOrDefault(model: string, ref: string | undefined): Promise<string> {
    if (ref !== undefined) return ref;
    const { defaultVersion } = await this.request<{ defaultVersion: number | null }>(
      'GET',
      `/api/v1/models/${enc(model)}`,
    );
    if (defaultVersion === null)
      throw new FerryError(
        'VERSION_NOT_FOUND',
        `model '${model}' has no versions yet; push one with \`ferry models push\``,
      );
    return String(defaultVersion);
  }

  async getVersion(model: string, ref: string | undefined): Promise<VersionRecord> {
    return this.request(
      'GET',
      `/api/v1/models/${enc(model)}/versions/${enc(await this.refOrDefault(model, ref))}`,
    );
  }

  async getCard(model: string, ref: string | undefined): Promise<string | null> {
    const version = await this.refOrDefault(model, ref);
    const card = await this.request<{ markdown: string | null }>(
      'GET',
      `/api/v1/models/${enc(model)}/versions/${enc(version)}/card`,
    );
    return card.markdown;
  }

  async push(request: PushRequest): Promise<PushResult> {
    const fields: Record<string, string> = {};
    for (const key of ['alias', 'reason', 'description', 'card'] as const) {
      const value = request[key];
      if (value !== undefined) fields[key] = value;
    }
    for (const key of ['lineage', 'signature', 'tags'] as const) {
      const value = request[key];
      if (value !== undefined) fields[key] = JSON.stringify(value);
    }
    const body = await multipartBody(
      fields,
      { field: 'artifact', path: request.file, filename: basename(request.file) },
      request.onProgress,
    );
    return this.request('POST', `/api/v1/models/${enc(request.model)}/versions`, {
      body: body.stream,
      headers: { 'content-type': body.contentType, 'content-length': String(body.contentLength) },
    });
  }

  setAlias(model: string, alias: string, version: number, reason?: string): Promise<AliasEvent> {
    return this.request('PUT', `/api/v1/models/${enc(model)}/aliases/${enc(alias)}`, {
      json: { version, ...(reason === undefined ? {} : { reason }) },
    });
  }

  deleteAlias(model: string, alias: string, reason?: string): Promise<AliasEvent> {
    const query = reason === undefined ? '' : `?reason=${enc(reason)}`;
    return this.request('DELETE', `/api/v1/models/${enc(model)}/aliases/${enc(alias)}${query}`);
  }

  async aliasHistory(model: string, alias?: string): Promise<AliasEvent[]> {
    const query = alias === undefined ? '' : `?alias=${enc(alias)}`;
    return (
      await this.request<{ events: AliasEvent[] }>(
        'GET',
        `/api/v1/models/${enc(model)}/alias-history${query}`,
      )
    ).events;
  }

  deleteVersion(model: string, version: number): Promise<void> {
    return this.request('DELETE', `/api/v1/models/${enc(model)}/versions/${version}`);
  }

  infer(model: string, ref: string | undefined, request: unknown): Promise<InferenceResponse> {
    const path =
      ref === undefined
        ? `/v2/models/${enc(model)}/infer`
        : `/v2/models/${enc(model)}/versions/${enc(ref)}/infer`;
    return this.request('POST', path, { json: request });
  }

  // --- monitoring (src/monitoring): prediction log and feedback ---
  listPredictions(request: PredictionListRequest): Promise<PredictionPage> {
    const { model, version, from, to, limit, cursor } = request;
    return this.request(
      'GET',
      `/api/v1/predictions${queryString({ model, version, from, to, limit, cursor })}`,
    );
  }

  async exportPredictions(request: PredictionExportRequest): Promise<AsyncIterable<string>> {
    const { model, version, from, to, format, feedback } = request;
    const path = `/api/v1/predictions/export${queryString({ model, version, from, to, format, feedback })}`;
    const response = await this.fetch('GET', path, { accept: '*/*' });
    if (!response.ok) {
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      throw errorFromBody(
        response.status,
        type.includes('application/json') && text !== '' ? JSON.parse(text) : text,
      );
    }
    const body = response.body;
    return (async function* () {
      if (body === null) return;
      const decoder = new TextDecoder();
      for await (const chunk of body as AsyncIterable<Uint8Array>) {
        const text = decoder.decode(chunk, { stream: true });
        if (text !== '') yield text;
      }
      const rest = decoder.decode();
      if (rest !== '') yield rest;
    })();
  }

  async sendFeedback(items: readonly FeedbackItem[]): Promise<FeedbackResult[]> {
    const body = await this.request<{ results: FeedbackResult[] }>('POST', '/api/v1/feedback', {
      json: { items },
    });
    return body.results;
  }
  // --- end monitoring ---

  // --- performance and fairness (src/monitoring/performance) ---
  performance(request: PerformanceRequest): Promise<PerformanceReport> {
    const { model, version, window, positiveClass, slice } = request;
    const query = queryString({ version, window, positiveClass, slice });
    return this.request('GET', `/api/v1/models/${enc(model)}/performance${query}`);
  }

  fairness(request: FairnessRequest): Promise<FairnessView> {
    const { model, version, window, positiveClass, feature } = request;
    const query = queryString({ version, window, positiveClass, feature });
    return this.request('GET', `/api/v1/models/${enc(model)}/fairness${query}`);
  }
  // --- end performance and fairness ---

  // --- alerts (src/monitoring/alerts) ---
  async listAlerts(query: AlertListQuery = {}): Promise<AlertStatusView[]> {
    const { state, model, rule } = query;
    const path = `/api/v1/alerts${queryString({ state, model, rule })}`;
    return (await this.request<{ alerts: AlertStatusView[] }>('GET', path)).alerts;
  }

  async alertHistory(query: AlertHistoryQuery = {}): Promise<AlertEventView[]> {
    const { rule, model, limit } = query;
    const path = `/api/v1/alerts/events${queryString({ rule, model, limit })}`;
    return (await this.request<{ events: AlertEventView[] }>('GET', path)).events;
  }

  async alertRules(): Promise<AlertRuleView[]> {
    return (await this.request<{ rules: AlertRuleView[] }>('GET', '/api/v1/alerts/rules')).rules;
  }
  // --- end alerts ---

  // --- profiles and drift (src/monitoring/{profiles,drift}) ---
  async putReference(request: ReferenceRequest): Promise<ReferenceView> {
    const version = await this.refOrDefault(request.model, request.ref);
    const size = (
      await stat(request.file).catch((error: Error) => {
        throw new FerryError(
          'INVALID_ARGUMENT',
          `cannot read the reference dataset ${request.file}: ${error.message}`,
        );
      })
    ).size;
    const source = request.source ?? basename(request.file);
    const body = Readable.toWeb(createReadStream(request.file)) as ReadableStream<Uint8Array>;
    return this.request(
      'PUT',
      `/api/v1/models/${enc(request.model)}/versions/${enc(version)}/reference${queryString({ source })}`,
      {
        body,
        headers: {
          'content-type': request.format === 'csv' ? 'text/csv' : 'application/x-ndjson',
          'content-length': String(size),
        },
      },
    );
  }

  async getReference(model: string, ref: string | undefined): Promise<ReferenceView> {
    const version = await this.refOrDefault(model, ref);
    return this.request('GET', `/api/v1/models/${enc(model)}/versions/${enc(version)}/reference`);
  }

  async deleteReference(model: string, ref: string | undefined): Promise<void> {
    const version = await this.refOrDefault(model, ref);
    await this.request('DELETE', `/api/v1/models/${enc(model)}/versions/${enc(version)}/reference`);
  }

  getDrift(model: string, query: DriftQuery = {}): Promise<DriftReport> {
    const { version, window, windows } = query;
    return this.request(
      'GET',
      `/api/v1/models/${enc(model)}/drift${queryString({ version, window, windows })}`,
    );
  }
  // --- end profiles and drift ---

  close(): Promise<void> {
    return Promise.resolve();
  }
}

/** `?a=1&b=x` from the defined values, or '' when none is. */
function queryString(values: Readonly<Record<string, string | number | boolean | undefined>>): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) params.set(name, String(value));
  }
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}
