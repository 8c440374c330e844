import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FERRY_VERSION } from '../../../core/index.js';
import type { AlertNotice } from '../alert-records.js';
import type { TrainingSetExporter } from './training-set-exporter.js';

/** Why a model should be retrained, with the data to retrain it on. */
export interface RetrainManifest {
  /** The delivery id: one manifest per firing alert and action. */
  readonly id: string;
  readonly model: string;
  /** The version the readings came from, when the metric source named one. */
  readonly version: number | null;
  /** One line for people: the rule, the metric and its value against the threshold. */
  readonly reason: string;
  readonly rule: string;
  readonly severity: AlertNotice['alert']['severity'];
  /** The readings that fired the alert, oldest first. */
  readonly metrics: readonly {
    readonly metric: string;
    readonly feature?: string;
    readonly op: 'above' | 'below';
    readonly threshold: number;
    readonly value: number;
    readonly rows: number;
    readonly version?: number;
    readonly window: { readonly start: string; readonly end: string };
    readonly details?: Readonly<Record<string, unknown>>;
  }[];
  /** From the start of the first breaching window to the end of the last. */
  readonly window: { readonly start: string; readonly end: string };
  /**
   * The training set: recent predictions joined with feedback, as NDJSON. Null only when the
   * channel was built without an exporter (a server always wires the prediction-log one).
   */
  readonly export: {
    readonly format: 'ndjson';
    readonly path: string;
    readonly rows: number;
    /** The predictions exported are from this range (the newest `rows` of it). */
    readonly from: string;
    readonly to: string;
  } | null;
  readonly createdAt: string;
  readonly ferry: { readonly version: string };
}

/** The reason line of a firing notice. */
export function retrainReason(notice: AlertNotice): string {
  const { alert } = notice;
  const metric = alert.feature === undefined ? alert.metric : `${alert.metric}(${alert.feature})`;
  const runs = alert.forWindows === 1 ? '' : ` for ${alert.forWindows} consecutive windows`;
  return `rule '${alert.rule}': ${metric} ${alert.value ?? 'n/a'} ${alert.op} ${alert.threshold}${runs}`;
}

/** Settings of the manifests. */
export interface RetrainManifestSettings {
  /** `<dataDir>/exports`: each manifest gets a folder named by its delivery id. */
  readonly exportsDir: string;
  readonly exportRows: number;
  readonly exportWindowMs: number;
}

/**
 * Build the manifest of a firing notice once: export the training set, then write
 * `<exportsDir>/<id>/manifest.json` (atomically, last). A retry finds the manifest and reuses it,
 * so the pipeline gets the same manifest and the same export on every delivery.
 * Returns the manifest's path and its exact bytes.
 */
export async function ensureManifest(
  id: string,
  notice: AlertNotice,
  settings: RetrainManifestSettings,
  exporter: TrainingSetExporter | undefined,
  now: Date,
): Promise<{ path: string; text: string }> {
  const folder = join(settings.exportsDir, id);
  const path = join(folder, 'manifest.json');
  const existing = await readFile(path, 'utf8').catch(() => undefined);
  if (existing !== undefined) return { path, text: existing };
  await mkdir(folder, { recursive: true });
  const to = now;
  const from = new Date(now.getTime() - settings.exportWindowMs);
  const exported =
    exporter === undefined
      ? undefined
      : await exporter.export(
          notice.alert.model,
          { start: from, end: to },
          settings.exportRows,
          join(folder, 'predictions.ndjson'),
        );
  const readings = notice.readings;
  const first = readings[0]?.window ?? notice.alert.window;
  const last = readings[readings.length - 1]?.window ?? notice.alert.window;
  const { alert } = notice;
  const manifest: RetrainManifest = {
    id,
    model: alert.model,
    version: alert.version,
    reason: retrainReason(notice),
    rule: alert.rule,
    severity: alert.severity,
    metrics: readings.map((reading) => ({
      metric: alert.metric,
      ...(alert.feature === undefined ? {} : { feature: alert.feature }),
      op: alert.op,
      threshold: alert.threshold,
      value: reading.value,
      rows: reading.rows,
      ...(reading.version === undefined ? {} : { version: reading.version }),
      window: reading.window,
      ...(reading.details === undefined ? {} : { details: reading.details }),
    })),
    window: { start: first.start, end: last.end },
    export:
      exported === undefined
        ? null
        : {
            format: 'ndjson',
            path: exported.path,
            rows: exported.rows,
            from: from.toISOString(),
            to: to.toISOString(),
          },
    createdAt: now.toISOString(),
    ferry: { version: FERRY_VERSION },
  };
  const text = `${JSON.stringify(manifest, null, 2)}\n`;
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
  return { path, text };
}
