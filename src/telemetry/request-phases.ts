import type { RequestFinished } from '../serving/index.js';

/**
 * How telemetry reads a finished request. `RequestFinished` reports times, not the path a request
 * took, so both observers (Prometheus and statistics) derive the path with these rules, in one place.
 */

/** Is this model's response cache enabled? (`serving.cacheEnabled` with the model's overrides.) */
export type CacheEnabled = (model: string) => boolean;

/** Non-negative finite seconds; anything else (NaN, negative, Infinity) counts as 0. */
export function cleanSeconds(seconds: number): number {
  return Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
}

/** Seconds as whole nanoseconds. */
export function toNanoseconds(seconds: number): number {
  return Math.round(cleanSeconds(seconds) * 1e9);
}

/** The request ran through the model: it succeeded without a cache hit, or failed after running. */
export function ranModel(event: RequestFinished): boolean {
  return !event.cacheHit && (event.outcome === 'success' || event.computeSeconds > 0);
}

/** The request waited in a queue: it ran, or it failed after waiting (deadline, cancel while queued). */
export function waitedInQueue(event: RequestFinished): boolean {
  return ranModel(event) || (!event.cacheHit && event.queueSeconds > 0);
}

/**
 * The response-cache lookup a request made, as Triton counts it: a hit, or a miss for a successful
 * request that ran the model while its model enables the cache. Failed requests count as neither,
 * and nothing counts when the cache is off.
 */
export function cacheLookup(event: RequestFinished, cacheEnabled: CacheEnabled): 'hit' | 'miss' | undefined {
  if (event.cacheHit) return 'hit';
  return event.outcome === 'success' && cacheEnabled(event.model) ? 'miss' : undefined;
}

/** `cacheEnabled` answered once per model (settings are fixed while the server runs). */
export function memoizeCacheEnabled(cacheEnabled: CacheEnabled): CacheEnabled {
  const known = new Map<string, boolean>();
  return (model) => {
    let enabled = known.get(model);
    if (enabled === undefined) {
      enabled = cacheEnabled(model);
      known.set(model, enabled);
    }
    return enabled;
  };
}
