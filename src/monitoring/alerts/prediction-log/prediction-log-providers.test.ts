import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachDialect } from '../../../../test/support/databases.js';
import { FeedbackStore } from '../../feedback/feedback-store.js';
import type { PredictionRecord } from '../../log/prediction-record.js';
import { PredictionStore } from '../../log/prediction-store.js';
import { PredictionLogExporter } from './prediction-log-exporter.js';
import { PredictionLogMetricSource } from './prediction-log-metric-source.js';

const BASE = Date.UTC(2026, 0, 1);
const window = { start: new Date(BASE), end: new Date(BASE + 3_600_000) };
const at = (seconds: number) => new Date(BASE + seconds * 1000).toISOString();

const record = (
  id: string,
  seconds: number,
  overrides: Partial<PredictionRecord> = {},
): PredictionRecord => ({
  requestId: id,
  at: at(seconds),
  model: 'fraud',
  version: 2,
  features: { amount: seconds },
  outputs: { score: 0.5 },
  latencyMs: 10,
  status: 'ok',
  caller: 'anonymous',
  ...overrides,
});

describe('prediction-log alert providers', () => {
  forEachDialect((fixture) => {
    const seed = async (records: PredictionRecord[]) => new PredictionStore(fixture.database).insert(records);

    it('computes the error rate and validation flag rate per request, in the window only', async () => {
      await seed([
        ...Array.from({ length: 8 }, (_, i) => record(`ok-${i}`, i + 1)),
        record('bad-1', 20, { status: 'error', code: 'SHAPE_MISMATCH', features: {}, outputs: {} }),
        record('bad-2', 21, { status: 'error', code: 'INFERENCE_FAILED' }),
        // One request of three rows, flagged by validation: counted once.
        ...[0, 1, 2].map((row) => record(`multi#${row}`, 30, { flags: ['amount out of range'] })),
        // Outside the window, or another model.
        record('late', 3600),
        record('other', 40, { model: 'churn', status: 'error' }),
      ]);
      const source = new PredictionLogMetricSource(fixture.database, { minRequests: 5 });
      expect(await source.read('fraud', 'errors.rate', window)).toEqual({
        value: 2 / 11,
        rows: 11,
        version: 2,
        details: { requests: 11, errors: 2 },
      });
      expect(await source.read('fraud', 'validation.flag_rate', window)).toEqual({
        value: 1 / 11,
        rows: 11,
        version: 2,
        details: { requests: 11, flagged: 1 },
      });
    });

    it('takes the 99th percentile of successful requests’ latency, in seconds', async () => {
      await seed([
        ...Array.from({ length: 100 }, (_, i) => record(`r${i}`, i, { latencyMs: i + 1 })),
        record('slow-failure', 200, { latencyMs: 60_000, status: 'error' }),
      ]);
      const source = new PredictionLogMetricSource(fixture.database, { minRequests: 30 });
      expect(await source.read('fraud', 'latency.p99_seconds', window)).toEqual({
        value: 0.099,
        rows: 100,
        version: 2,
        details: { requests: 100 },
      });
    });

    it('gives no verdict on a window with too few requests, and names no version when several served', async () => {
      await seed([record('a', 1), record('b', 2, { version: 3 }), record('c', 3, { status: 'error' })]);
      const strict = new PredictionLogMetricSource(fixture.database, { minRequests: 4 });
      expect(await strict.read('fraud', 'errors.rate', window)).toBeUndefined();
      expect(await strict.read('fraud', 'latency.p99_seconds', window)).toBeUndefined();
      const lenient = new PredictionLogMetricSource(fixture.database, { minRequests: 1 });
      const reading = await lenient.read('fraud', 'errors.rate', window);
      expect(reading).toMatchObject({ value: 1 / 3, rows: 3 });
      expect(reading).not.toHaveProperty('version');
      expect(await lenient.read('fraud', 'drift.share', window)).toBeUndefined();
    });

    it('exports the newest predictions with feedback as NDJSON, oldest first', async () => {
      const predictions = new PredictionStore(fixture.database);
      await predictions.insert(Array.from({ length: 6 }, (_, i) => record(`p${i}`, i * 10)));
      await new FeedbackStore(fixture.database).store(
        [0, 2, 3, 5].map((i) => ({
          requestId: `p${i}`,
          label: i % 2 === 0 ? 'fraud' : 'ok',
          at: at(i * 10 + 5),
        })),
      );
      const path = join(fixture.dataDir, 'training.ndjson');
      const exported = await new PredictionLogExporter(predictions).export('fraud', window, 3, path);
      expect(exported).toEqual({ path, rows: 3 });
      const lines = (await readFile(path, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      expect(lines.map((line) => line.requestId)).toEqual(['p2', 'p3', 'p5']);
      expect(lines[0]).toMatchObject({
        model: 'fraud',
        version: 2,
        features: { amount: 20 },
        outputs: { score: 0.5 },
        feedback: { label: 'fraud', value: null, at: at(25) },
      });
      const none = await new PredictionLogExporter(predictions).export(
        'churn',
        window,
        3,
        join(fixture.dataDir, 'empty.ndjson'),
      );
      expect(none.rows).toBe(0);
      expect(await readFile(none.path, 'utf8')).toBe('');
    });
  });
});
