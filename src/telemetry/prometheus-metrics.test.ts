import { describe, expect, it } from 'vitest';
import type { RequestFinished } from '../serving/index.js';
import { PrometheusMetrics } from './prometheus-metrics.js';

const finished = (overrides: Partial<RequestFinished> = {}): RequestFinished => ({
  model: 'fraud',
  version: 3,
  outcome: 'success',
  queueSeconds: 0.002,
  computeSeconds: 0.004,
  totalSeconds: 0.007,
  cacheHit: false,
  rows: 1,
  ...overrides,
});

/** The value of one sample line, found by its exact name and label text; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('PrometheusMetrics', () => {
  it('counts requests by outcome, with the error code only on failures', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.requestFinished(finished());
    metrics.requestFinished(finished());
    metrics.requestFinished(finished({ outcome: 'failure', code: 'OVERLOADED', computeSeconds: 0 }));
    const text = await metrics.metrics();
    expect(sample(text, 'ferry_inference_requests_total{model="fraud",version="3",outcome="success"}')).toBe(
      2,
    );
    expect(
      sample(
        text,
        'ferry_inference_requests_total{model="fraud",version="3",outcome="failure",code="OVERLOADED"}',
      ),
    ).toBe(1);
    expect(text).toContain('# TYPE ferry_inference_requests_total counter');
  });

  it('observes queue, compute and end-to-end times in seconds into their buckets', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.requestFinished(finished({ queueSeconds: 0.0003, computeSeconds: 0.02, totalSeconds: 0.03 }));
    metrics.requestFinished(finished({ queueSeconds: 0.2, computeSeconds: 0.02, totalSeconds: 0.3 }));
    const text = await metrics.metrics();
    const queue = 'ferry_inference_queue_duration_seconds';
    const labels = 'model="fraud",version="3"';
    expect(sample(text, `${queue}_bucket{le="0.0005",${labels}}`)).toBe(1);
    expect(sample(text, `${queue}_bucket{le="0.25",${labels}}`)).toBe(2);
    expect(sample(text, `${queue}_count{${labels}}`)).toBe(2);
    expect(sample(text, `${queue}_sum{${labels}}`)).toBeCloseTo(0.2003, 9);
    expect(sample(text, `ferry_inference_compute_duration_seconds_count{${labels}}`)).toBe(2);
    expect(
      sample(text, `ferry_inference_request_duration_seconds_bucket{le="0.05",${labels},outcome="success"}`),
    ).toBe(1);
    expect(
      sample(text, `ferry_inference_request_duration_seconds_bucket{le="+Inf",${labels},outcome="success"}`),
    ).toBe(2);
  });

  it('leaves queue and compute times out for requests that never queued or ran', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    const refused = { outcome: 'failure', queueSeconds: 0, computeSeconds: 0, totalSeconds: 0.0001 } as const;
    metrics.requestFinished(finished({ ...refused, code: 'INVALID_TENSOR_DATA' }));
    metrics.requestFinished(finished({ ...refused, code: 'DEADLINE_EXCEEDED', queueSeconds: 1 }));
    metrics.requestFinished(finished({ cacheHit: true, queueSeconds: 0, computeSeconds: 0 }));
    const text = await metrics.metrics();
    const labels = 'model="fraud",version="3"';
    expect(sample(text, `ferry_inference_queue_duration_seconds_count{${labels}}`)).toBe(1);
    expect(sample(text, `ferry_inference_compute_duration_seconds_count{${labels}}`)).toBeUndefined();
    expect(sample(text, `ferry_inference_request_duration_seconds_count{${labels},outcome="failure"}`)).toBe(
      2,
    );
  });

  it('observes rows per run in power-of-two buckets up to 512', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    for (const rows of [1, 3, 64, 600]) {
      metrics.batchExecuted({
        model: 'fraud',
        version: 3,
        rows,
        requests: 1,
        inputSeconds: 0,
        inferSeconds: 0.01,
        outputSeconds: 0,
      });
    }
    const text = await metrics.metrics();
    const labels = 'model="fraud",version="3"';
    expect(sample(text, `ferry_inference_batch_size_bucket{le="1",${labels}}`)).toBe(1);
    expect(sample(text, `ferry_inference_batch_size_bucket{le="4",${labels}}`)).toBe(2);
    expect(sample(text, `ferry_inference_batch_size_bucket{le="512",${labels}}`)).toBe(3);
    expect(sample(text, `ferry_inference_batch_size_bucket{le="+Inf",${labels}}`)).toBe(4);
    expect(sample(text, `ferry_inference_batch_size_sum{${labels}}`)).toBe(668);
  });

  it('reports the latest queue depth per version', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    metrics.queueDepth('fraud', 3, 7);
    metrics.queueDepth('fraud', 3, 2);
    metrics.queueDepth('fraud', 4, 5);
    const text = await metrics.metrics();
    expect(sample(text, 'ferry_inference_queue_depth{model="fraud",version="3"}')).toBe(2);
    expect(sample(text, 'ferry_inference_queue_depth{model="fraud",version="4"}')).toBe(5);
  });

  it('counts cache hits always and misses only for models that enable the cache', async () => {
    const metrics = new PrometheusMetrics({
      processMetrics: false,
      cacheEnabled: (model) => model === 'fraud',
    });
    metrics.requestFinished(finished({ cacheHit: true }));
    metrics.requestFinished(finished());
    metrics.requestFinished(finished());
    metrics.requestFinished(finished({ outcome: 'failure', code: 'INFERENCE_FAILED' }));
    metrics.requestFinished(finished({ model: 'other' }));
    const text = await metrics.metrics();
    const lookups = 'ferry_response_cache_lookups_total';
    expect(sample(text, `${lookups}{model="fraud",version="3",result="hit"}`)).toBe(1);
    expect(sample(text, `${lookups}{model="fraud",version="3",result="miss"}`)).toBe(2);
    expect(text).not.toContain(`${lookups}{model="other"`);
  });

  it('reports loaded models by state from the model manager, zeros included', async () => {
    const entries = [
      { state: { kind: 'ready' } },
      { state: { kind: 'ready' } },
      { state: { kind: 'failed' } },
    ] as const;
    const metrics = new PrometheusMetrics({ processMetrics: false, models: { entries: () => entries } });
    const text = await metrics.metrics();
    expect(sample(text, 'ferry_models_loaded{state="ready"}')).toBe(2);
    expect(sample(text, 'ferry_models_loaded{state="failed"}')).toBe(1);
    expect(sample(text, 'ferry_models_loaded{state="loading"}')).toBe(0);
  });

  it('reports jobs by state from the provider on each scrape, and nothing when it fails', async () => {
    let counts: Record<string, number> | Error = { queued: 3, running: 1 };
    const errors: unknown[] = [];
    const metrics = new PrometheusMetrics({
      processMetrics: false,
      jobCounts: () => (counts instanceof Error ? Promise.reject(counts) : Promise.resolve(counts)),
      onCollectError: (error) => errors.push(error),
    });
    let text = await metrics.metrics();
    expect(sample(text, 'ferry_jobs{state="queued"}')).toBe(3);
    expect(sample(text, 'ferry_jobs{state="running"}')).toBe(1);
    counts = { running: 2 };
    text = await metrics.metrics();
    expect(sample(text, 'ferry_jobs{state="queued"}')).toBeUndefined();
    expect(sample(text, 'ferry_jobs{state="running"}')).toBe(2);
    counts = new Error('database gone');
    text = await metrics.metrics();
    expect(text).toContain('# TYPE ferry_jobs gauge');
    expect(sample(text, 'ferry_jobs{state="running"}')).toBeUndefined();
    expect(errors).toEqual([counts]);
  });

  it('keeps each instance in its own registry and exposes process metrics with the ferry_ prefix', async () => {
    const first = new PrometheusMetrics();
    const second = new PrometheusMetrics();
    first.requestFinished(finished());
    const text = await second.metrics();
    expect(sample(text, 'ferry_inference_requests_total{model="fraud",version="3",outcome="success"}')).toBe(
      undefined,
    );
    expect(text).toContain('# TYPE ferry_process_cpu_seconds_total counter');
    expect(text).toContain('# TYPE ferry_nodejs_heap_size_used_bytes gauge');
    expect(second.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
  });

  it('never throws on nonsense times', async () => {
    const metrics = new PrometheusMetrics({ processMetrics: false });
    expect(() =>
      metrics.requestFinished(
        finished({ queueSeconds: Number.NaN, computeSeconds: -1, totalSeconds: Infinity }),
      ),
    ).not.toThrow();
    expect(() => metrics.queueDepth('fraud', 3, Number.NaN)).not.toThrow();
    const text = await metrics.metrics();
    expect(
      sample(
        text,
        'ferry_inference_request_duration_seconds_sum{model="fraud",version="3",outcome="success"}',
      ),
    ).toBe(0);
  });
});
