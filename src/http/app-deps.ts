import type { FerryConfig } from '../core/index.js';
import type { Authorizer } from '../governance/index.js';
import type { Registry } from '../registry/index.js';
import type { ModelManager } from '../runtime/index.js';
import type { Runtime } from '../runtime/index.js';
import type { InferenceObserver } from '../serving/index.js';
import type { InferenceService } from '../serving/index.js';
import type { Readiness } from '../serving/index.js';
import type { VersionResolver } from '../serving/index.js';
import type { InferenceStatistics, PrometheusMetrics } from '../telemetry/index.js';
import type { PredictionMonitoring } from '../monitoring/index.js';
import type { PerformanceService } from '../monitoring/index.js'; // performance and fairness
import type { AlertService } from '../monitoring/alerts/index.js'; // alerts (src/monitoring/alerts)
import type { DriftMonitoring } from '../monitoring/index.js'; // drift (src/monitoring/drift)

/** Everything the HTTP layer needs, built once by the server's composition root. */
export interface AppDeps {
  readonly config: FerryConfig;
  readonly serverVersion: string;
  readonly registry: Registry;
  readonly runtime: Runtime;
  readonly models: ModelManager;
  readonly resolver: VersionResolver;
  readonly inference: InferenceService;
  readonly readiness: Readiness;
  readonly authorizer: Authorizer;
  // --- telemetry (src/telemetry) ---
  /** Receives serving events: `metrics` and `statistics` combined. The serving layer reports here. */
  readonly observer: InferenceObserver;
  /** Prometheus metrics served at `GET /metrics`. */
  readonly metrics: PrometheusMetrics;
  /** Triton-style statistics served at `GET /v2/models[/{m}[/versions/{v}]]/stats`. */
  readonly statistics: InferenceStatistics;
  // --- monitoring (src/monitoring): prediction log and feedback ---
  /** The prediction log, its stores and feedback; routes under /api/v1/predictions and /feedback. */
  readonly predictionMonitoring?: PredictionMonitoring | undefined;
  // --- end monitoring ---
  // --- performance and fairness (src/monitoring/performance) ---
  /** Live performance and fairness reports; routes under /api/v1/models/{model}/performance|fairness. */
  readonly performance?: PerformanceService | undefined;
  // --- end performance and fairness ---
  // --- alerts (src/monitoring/alerts) ---
  /** Alert states, history and rules; routes under /api/v1/alerts. */
  readonly alerts?: AlertService | undefined;
  // --- end alerts ---
  // --- profiles and drift (src/monitoring/{profiles,drift}) ---
  /** Reference profiles and drift reports; routes under /api/v1/models/{m}/…/reference and …/drift. */
  readonly drift?: Pick<DriftMonitoring, 'references' | 'drift'> | undefined;
  // --- end profiles and drift ---
}
