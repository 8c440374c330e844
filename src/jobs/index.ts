/**
 * Async inference: a durable job queue in the metadata database, leased by workers in every
 * replica, results kept for `jobs.resultTtlMs`, and callbacks delivered with retries.
 */
import { FERRY_VERSION, type FerryConfig, type Logger } from '../core/index.js';
import type { InferenceService } from '../serving/index.js';
import type { FerryDatabase } from '../store/index.js';
import { HttpCallbackSender } from './callback-sender.js';
import { servingJobInference } from './job-inference.js';
import { JobService } from './job-service.js';
import { JobStore } from './job-store.js';
import { JobWorkerPool } from './job-worker-pool.js';

export { registerJobApiRoutes } from './job-routes.js';
export { JobService, JOB_ID_PATTERN, type JobSubmission, type JobServiceOptions } from './job-service.js';
export { JobStore, type JobListQuery, type JobStoreOptions } from './job-store.js';
export { JobWorkerPool, type JobWorkerPoolDeps, type JobWorkerPoolOptions } from './job-worker-pool.js';
export { JobRun, type JobRunSettings, type RunOutcome } from './job-run.js';
export { servingJobInference, type JobInference, type JobOrigin } from './job-inference.js';
export {
  HttpCallbackSender,
  type CallbackDelivery,
  type CallbackSender,
  type DeliveryOutcome,
  type HttpCallbackSenderOptions,
} from './callback-sender.js';
export {
  checkCallbackUrl,
  classifyAddress,
  guardedLookup,
  refusedAddress,
  type AddressClass,
  type CallbackUrlPolicy,
} from './callback-url-guard.js';
export { jobView, type CallbackView, type JobView } from './job-view.js';
export type { ClaimedJob, Job, NewJob } from './job.js';
export {
  isClaimable,
  isFinished,
  nextJobState,
  queuedJob,
  type JobError,
  type JobEvent,
  type JobState,
  type JobStateKind,
} from './job-state.js';
export {
  deliveryEvent,
  nextCallbackState,
  type CallbackEvent,
  type CallbackState,
} from './callback-state.js';

/** What the HTTP app needs of jobs: the service, absent when `jobs.enabled` is false. */
export interface JobRouteDeps {
  readonly jobs?: JobService | undefined;
}

/** The jobs of one server: the service behind the routes and this process's workers. */
export interface Jobs {
  readonly service: JobService;
  readonly workers: JobWorkerPool;
  /** Unexpired jobs by state, for metrics. */
  counts(): Promise<Record<string, number>>;
  /** Start this process's workers (once the server listens). */
  start(): void;
  /** Stop claiming; give running jobs up to `graceMs` to finish, then back to the queue. */
  stop(graceMs: number): Promise<void>;
}

/** Build the jobs of a server from its configuration, database and inference service. */
export function createJobs(deps: {
  config: FerryConfig;
  database: FerryDatabase;
  inference: InferenceService;
  logger: Logger;
}): Jobs {
  const settings = deps.config.jobs;
  const store = new JobStore(deps.database, { resultTtlMs: settings.resultTtlMs });
  const inference = servingJobInference(deps.inference, deps.config.server.maxTensorElements);
  const workers = new JobWorkerPool(
    {
      store,
      inference,
      sender: new HttpCallbackSender({
        allowLoopback: settings.allowLoopbackCallbacks,
        timeoutMs: settings.callbackTimeoutMs,
        userAgent: `ferry/${FERRY_VERSION}`,
      }),
      logger: deps.logger.child({ component: 'jobs' }),
    },
    settings,
  );
  const service = new JobService(store, inference, {
    allowLoopbackCallbacks: settings.allowLoopbackCallbacks,
    onSubmitted: () => workers.notify(),
  });
  return {
    service,
    workers,
    counts: () => store.countByState(new Date()),
    start: () => workers.start(),
    stop: (graceMs) => workers.stop(graceMs),
  };
}
