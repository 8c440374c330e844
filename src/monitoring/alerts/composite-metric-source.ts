import type {
  MetricName,
  MetricReading,
  MetricSelector,
  MetricSource,
  MetricWindow,
} from './metric-source.js';

/** A provider registered for some metrics. */
export interface MetricProviderRegistration {
  readonly metrics: readonly MetricName[];
  readonly source: MetricSource;
}

/**
 * Routes each metric to the provider registered for it. Providers are registered when the server
 * is wired (drift and validation from the profiles, performance and fairness from feedback, latency
 * and error rate from the prediction log); a later registration of a metric replaces an earlier
 * one. A metric no provider serves reads as undefined: no verdict.
 */
export class CompositeMetricSource implements MetricSource {
  private readonly providers = new Map<MetricName, MetricSource>();

  constructor(registrations: readonly MetricProviderRegistration[] = []) {
    for (const registration of registrations) this.register(registration.metrics, registration.source);
  }

  /** Serve `metrics` from `source` (replacing any provider they had). */
  register(metrics: readonly MetricName[], source: MetricSource): this {
    for (const metric of metrics) this.providers.set(metric, source);
    return this;
  }

  /** Does a provider serve `metric`? */
  provides(metric: MetricName): boolean {
    return this.providers.has(metric);
  }

  read(
    model: string,
    metric: MetricName,
    window: MetricWindow,
    selector?: MetricSelector,
  ): Promise<MetricReading | undefined> {
    const provider = this.providers.get(metric);
    if (provider === undefined) return Promise.resolve(undefined);
    return provider.read(model, metric, window, selector);
  }
}
