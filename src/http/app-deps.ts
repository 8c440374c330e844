import type { FerryConfig } from '../core/index.js';
import type { Authorizer } from '../governance/index.js';
import type { Registry } from '../registry/index.js';
import type { ModelManager } from '../runtime/index.js';
import type { Runtime } from '../runtime/index.js';
import type { InferenceService } from '../serving/index.js';
import type { Readiness } from '../serving/index.js';
import type { VersionResolver } from '../serving/index.js';

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
