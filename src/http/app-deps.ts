import type { FerryConfig } from '../core/config.js';
import type { Authorizer } from '../governance/authorizer.js';
import type { Registry } from '../registry/index.js';
import type { ModelManager } from '../runtime/model-manager.js';
import type { Runtime } from '../runtime/runtime.js';
import type { InferenceService } from '../serving/inference-service.js';
import type { Readiness } from '../serving/readiness.js';
import type { VersionResolver } from '../serving/version-resolver.js';

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
}
