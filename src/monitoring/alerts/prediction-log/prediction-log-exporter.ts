import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { joinedPredictions } from '../../feedback/joined-predictions.js';
import type { PredictionStore } from '../../log/prediction-store.js';
import type { MetricWindow } from '../metric-source.js';
import type { TrainingSetExport, TrainingSetExporter } from '../retrain/training-set-exporter.js';

/**
 * Exports a training set from the prediction log: the newest `maxRows` predictions of the window
 * that have feedback (ground truth), oldest first, one JSON object per line, shaped as
 * `GET /api/v1/predictions/export?format=ndjson&feedback=true` writes them (inputs as `features`,
 * `outputs`, `feedback` with `label`/`value`). It counts the rows in a first pass, then streams
 * them through `joinedPredictions`, skipping the oldest beyond `maxRows`: memory stays bounded.
 */
export class PredictionLogExporter implements TrainingSetExporter {
  constructor(private readonly predictions: PredictionStore) {}

  async export(
    model: string,
    window: MetricWindow,
    maxRows: number,
    path: string,
  ): Promise<TrainingSetExport> {
    const from = window.start.toISOString();
    const to = window.end.toISOString();
    let count = 0;
    for await (const page of this.predictions.scan({ model, from, to, withFeedbackOnly: true })) {
      count += page.length;
    }
    let skip = Math.max(0, Number(count) - maxRows);
    let rows = 0;
    const out = createWriteStream(path, { flags: 'w' });
    try {
      for await (const prediction of joinedPredictions(this.predictions, model, {
        from,
        to,
        withFeedbackOnly: true,
      })) {
        if (skip > 0) {
          skip -= 1;
          continue;
        }
        // Rows written after the count (feedback arriving meanwhile) stop at maxRows.
        if (rows >= maxRows) break;
        if (!out.write(`${JSON.stringify(prediction)}\n`)) await once(out, 'drain');
        rows += 1;
      }
    } finally {
      out.end();
      await finished(out);
    }
    return { path, rows };
  }
}
