import { FerryError, type FerryConfig } from '../../core/index.js';
import { parseVersionRef, type Registry, type VersionRecord } from '../../registry/index.js';
import type { FerryDatabase } from '../../store/index.js';
import { cachedFeaturesOf, type FeatureKind } from '../features/feature-spec.js';
import { joinedPredictions } from '../feedback/joined-predictions.js';
import { PredictionStore } from '../log/prediction-store.js';
import { Mark } from '../log/segment-columns.js';
import { monitoringSettingsFor } from '../monitoring-settings.js';
import type { ClassificationRecord, RegressionRecord } from '../stats/index.js';
import { featureValueOf } from './feature-groups.js';
import { fairnessSummary, type FairnessRow, type FairnessSummary } from './fairness-summary.js';
import { performanceSummary, type PerformanceSummary, type SlicedRecord } from './performance-report.js';
import {
  actualClass,
  evaluationRecord,
  predictedClass,
  predictionName,
  resolvePerformanceTask,
  type ResolvedTask,
} from './performance-task.js';
import { parseReportWindow, type ReportWindow } from './report-window.js';

/** Which window and version a report covers. */
interface ReportScope {
  readonly model: string;
  /** A version number or an alias; absent: every version logged in the window, pooled. */
  readonly version?: number | string | undefined;
  /** `current` (default), `last`, `<from>/<to>`, or a window. */
  readonly window?: string | ReportWindow | undefined;
  /** Overrides `monitoring.positiveClass`. */
  readonly positiveClass?: string | undefined;
}

/** A live performance report request. */
export interface PerformanceQuery extends ReportScope {
  /** Features to slice by; absent: `monitoring.sliceFeatures`. */
  readonly slices?: readonly string[] | undefined;
}

/** A fairness report request. */
export interface FairnessQuery extends ReportScope {
  /** Overrides `monitoring.sensitiveFeature`. */
  readonly feature?: string | undefined;
}

/** What every report says about its scope. */
interface ReportHeader {
  readonly model: string;
  /** The version asked for; null when the report pools every version logged in the window. */
  readonly version: number | null;
  /** The versions whose predictions are counted. */
  readonly versions: number[];
  readonly window: { readonly start: string; readonly end: string };
  readonly task: ResolvedTask['kind'];
  /** The output feature read as the prediction, e.g. `species` or `argmax(probabilities)`. */
  readonly prediction: string;
  readonly positiveClass: string | null;
  /** Remarks on what was left out, e.g. rows of a deleted version. */
  readonly notes?: string[];
}

/** `GET /api/v1/models/{model}/performance`: live metrics of a window from joined feedback. */
export interface PerformanceReport extends ReportHeader, PerformanceSummary {
  /** Successful predictions logged in the window (of the versions counted). */
  readonly rows: number;
  /** `monitoring.minWindowRows`: rows with feedback needed for a verdict. */
  readonly minRows: number;
}

/** `GET /api/v1/models/{model}/fairness`: group fairness of a window. */
export interface FairnessView extends ReportHeader, FairnessSummary {
  readonly sensitiveFeature: string;
  readonly positiveClass: string;
  /** `monitoring.fairnessMinGroupSize`. */
  readonly minGroupSize: number;
  /** `monitoring.minWindowRows`. */
  readonly minRows: number;
}

/** What the reports read: the prediction log's database and the registry's signatures. */
export interface PerformanceServiceDeps {
  readonly database: FerryDatabase;
  readonly registry: Pick<Registry, 'getModel' | 'getVersion'>;
  readonly config: FerryConfig;
  readonly clock?: (() => Date) | undefined;
}

interface Resolved {
  readonly model: string;
  readonly version: number | null;
  readonly window: ReportWindow;
  /** Rows per version in the window, for the versions counted. */
  readonly counts: Map<number, number>;
  readonly tasks: Map<number, { record: VersionRecord; task: ResolvedTask }>;
  readonly kind: ResolvedTask['kind'];
  readonly notes: string[];
  readonly header: ReportHeader;
}

const iso = (time: Date) => time.toISOString();

/**
 * Live performance and fairness of a model per window, from the prediction log joined with
 * feedback. Each version's task (what is predicted, what feedback it is compared with) is resolved
 * from its signature and the model's monitoring settings (see resolvePerformanceTask); without a
 * version, the window's versions are pooled, each row read with its own version's task.
 */
export class PerformanceService {
  private readonly predictions: PredictionStore;
  private readonly clock: () => Date;

  constructor(private readonly deps: PerformanceServiceDeps) {
    this.predictions = new PredictionStore(deps.database);
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Live metrics (accuracy … log loss, or MAE and RMSE) of a window, optionally by slice. */
  async performance(query: PerformanceQuery): Promise<PerformanceReport> {
    const scope = await this.resolve(query);
    const settings = monitoringSettingsFor(this.deps.config, query.model);
    // A slice asked for must exist; a configured one the versions lack is skipped with a note.
    const slices = (query.slices ?? settings.sliceFeatures).flatMap((feature) => {
      if (query.slices !== undefined) return [{ feature, kind: this.featureKind(scope, feature) }];
      const kind = this.knownKind(scope, feature);
      if (kind === undefined) {
        scope.notes.push(`monitoring.sliceFeatures names '${feature}', which these versions do not have`);
        return [];
      }
      return [{ feature, kind }];
    });
    const records: SlicedRecord<ClassificationRecord | RegressionRecord>[] = [];
    let unusable = 0;
    for await (const prediction of joinedPredictions(this.predictions, scope.model, {
      from: scope.window.start,
      to: scope.window.end,
      version: scope.version ?? undefined,
      withFeedbackOnly: true,
    })) {
      const resolved = prediction.status === 'ok' ? scope.tasks.get(prediction.version) : undefined;
      if (resolved === undefined) continue;
      const record = evaluationRecord(resolved.task, prediction);
      if (record === null) {
        unusable += 1;
        continue;
      }
      if (slices.length === 0) records.push(record);
      else {
        const values = Object.fromEntries(
          slices.map(({ feature }) => [feature, featureValueOf(prediction, feature)]),
        );
        records.push({ ...record, slices: values });
      }
    }
    if (unusable > 0) {
      const wanted = scope.kind === 'regression' ? 'a numeric value' : 'a label';
      scope.notes.push(
        `${unusable} rows with feedback were left out: their feedback has no ${wanted}, or their prediction was not logged (redacted)`,
      );
    }
    const common = {
      positiveClass: scope.header.positiveClass,
      minRows: this.deps.config.monitoring.minWindowRows,
      slices,
    };
    const summary =
      scope.kind === 'classification'
        ? performanceSummary({ task: 'classification', records: records, ...common })
        : performanceSummary({ task: 'regression', records: records as RegressionRecord[], ...common });
    return {
      ...scope.header,
      rows: [...scope.counts.values()].reduce((sum, count) => sum + count, 0),
      minRows: common.minRows,
      ...summary,
      ...(scope.notes.length === 0 ? {} : { notes: scope.notes }),
    };
  }

  /** Selection rates per group of the sensitive feature, parity and equalized odds of a window. */
  async fairness(query: FairnessQuery): Promise<FairnessView> {
    const settings = monitoringSettingsFor(this.deps.config, query.model);
    const feature = query.feature ?? settings.sensitiveFeature;
    if (feature === '') {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `model '${query.model}' has no sensitive feature: set monitoring.overrides.${query.model}.sensitiveFeature (or monitoring.sensitiveFeature) to the feature whose groups to compare, or name one in the request`,
      );
    }
    const scope = await this.resolve(query);
    if (scope.kind !== 'classification') {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `fairness compares predicted classes, and model '${query.model}' is a regressor here; set monitoring.task to classification if it is not`,
      );
    }
    const kind = this.featureKind(scope, feature);
    const rows: FairnessRow[] = [];
    for await (const prediction of joinedPredictions(this.predictions, scope.model, {
      from: scope.window.start,
      to: scope.window.end,
      version: scope.version ?? undefined,
    })) {
      const resolved = prediction.status === 'ok' ? scope.tasks.get(prediction.version) : undefined;
      if (resolved?.task.kind !== 'classification') continue;
      const predicted = predictedClass(resolved.task, prediction.outputs);
      if (predicted === null) continue;
      rows.push({
        value: featureValueOf(prediction, feature),
        predicted,
        actual: actualClass(prediction.feedback),
      });
    }
    const positiveClass = scope.header.positiveClass ?? this.binaryPositive(scope, rows);
    const minGroupSize = this.deps.config.monitoring.fairnessMinGroupSize;
    const minRows = this.deps.config.monitoring.minWindowRows;
    const summary = fairnessSummary(rows, { positiveClass, kind, minGroupSize, minRows });
    return {
      ...scope.header,
      sensitiveFeature: feature,
      positiveClass,
      minGroupSize,
      minRows,
      ...summary,
      ...(scope.notes.length === 0 ? {} : { notes: scope.notes }),
    };
  }

  /**
   * The positive class of a binary classifier when none is configured: the second of its two
   * score labels (scikit-learn's convention: the greater class is positive), else `1` or `true`
   * when every label seen is 0/1 or false/true. A multi-class model needs one configured.
   */
  private binaryPositive(scope: Resolved, rows: readonly FairnessRow[]): string {
    const labelSets = new Set(
      [...scope.tasks.values()].map(({ task }) =>
        task.kind === 'classification' && task.scores?.columns.length === 2
          ? JSON.stringify(task.scores.columns.map((column) => column.label))
          : '',
      ),
    );
    const [only] = labelSets;
    if (labelSets.size === 1 && only !== undefined && only !== '') {
      return (JSON.parse(only) as string[])[1]!;
    }
    const seen = new Set(
      rows.flatMap((row) => (row.actual === null ? [row.predicted] : [row.predicted, row.actual])),
    );
    if (seen.size > 0 && [...seen].every((label) => label === '0' || label === '1')) return '1';
    if (seen.size > 0 && [...seen].every((label) => label === 'false' || label === 'true')) return 'true';
    throw new FerryError(
      'INVALID_ARGUMENT',
      `fairness needs the positive (favourable) class of model '${scope.model}', which is not binary: set monitoring.overrides.${scope.model}.positiveClass (or monitoring.positiveClass), or name one in the request`,
    );
  }

  /** How a feature of the scope's versions is profiled; undefined when none has it. */
  private knownKind(scope: Resolved, feature: string): FeatureKind | undefined {
    for (const { record } of scope.tasks.values()) {
      const spec = cachedFeaturesOf(record.signature).features.find((f) => f.name === feature);
      if (spec !== undefined) return spec.kind;
    }
    return undefined;
  }

  /** How a feature of the scope's versions is profiled; INVALID_ARGUMENT when none has it. */
  private featureKind(scope: Resolved, feature: string): FeatureKind {
    const kind = this.knownKind(scope, feature);
    if (kind !== undefined) return kind;
    const names = new Set<string>();
    for (const { record } of scope.tasks.values()) {
      for (const spec of cachedFeaturesOf(record.signature).features) names.add(spec.name);
    }
    const known = [...names].slice(0, 30).map((name) => `'${name}'`);
    throw new FerryError(
      'INVALID_ARGUMENT',
      `model '${scope.model}' has no feature '${feature}'; its features are ${known.join(', ') || 'none'}${names.size > 30 ? ', …' : ''}`,
    );
  }

  /** The window, versions and tasks of a report. */
  private async resolve(query: ReportScope): Promise<Resolved> {
    const { model } = query;
    const { registry, config } = this.deps;
    await registry.getModel(model);
    const window =
      typeof query.window === 'object'
        ? query.window
        : parseReportWindow(query.window, config.monitoring.windowMs, this.clock());
    const asked =
      query.version === undefined || query.version === ''
        ? undefined
        : await registry.getVersion(model, parseVersionRef(String(query.version)));
    const counts = await this.countRows(model, window, asked?.version);
    const notes: string[] = [];
    const tasks = new Map<number, { record: VersionRecord; task: ResolvedTask }>();
    const settings = monitoringSettingsFor(config, model);
    const candidates: VersionRecord[] = [];
    if (asked !== undefined) candidates.push(asked);
    else {
      for (const version of [...counts.keys()].sort((a, b) => a - b)) {
        try {
          candidates.push(await registry.getVersion(model, { kind: 'number', version }));
        } catch (error) {
          if (!(error instanceof FerryError) || error.code !== 'VERSION_NOT_FOUND') throw error;
          notes.push(`version ${version} was deleted; its ${counts.get(version)} rows are left out`);
          counts.delete(version);
        }
      }
      // Nothing logged (or only deleted versions): describe the task of the version served now.
      if (candidates.length === 0) candidates.push(await registry.getVersion(model, { kind: 'default' }));
    }
    for (const record of candidates) {
      const task = resolvePerformanceTask(record.signature, settings);
      if (task.kind === 'unresolved') {
        throw new FerryError(
          'INVALID_ARGUMENT',
          `cannot tell what version ${record.version} of '${model}' predicts: ${task.reason} (monitoring.overrides.${model}.task, predictionOutput, scoreOutput)`,
        );
      }
      tasks.set(record.version, { record, task });
    }
    const entries = [...tasks.entries()];
    const [first] = entries;
    if (first === undefined) throw new FerryError('VERSION_NOT_FOUND', `model '${model}' has no versions`);
    const other = entries.find(([, entry]) => entry.task.kind !== first[1].task.kind);
    if (other !== undefined) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `versions ${first[0]} (${first[1].task.kind}) and ${other[0]} (${other[1].task.kind}) of '${model}' were both served in the window; ask for one version`,
      );
    }
    const names = new Set(entries.map(([, entry]) => predictionName(entry.task)));
    const given = query.positiveClass ?? settings.positiveClass;
    const header: ReportHeader = {
      model,
      version: asked?.version ?? null,
      versions: asked === undefined ? [...counts.keys()].sort((a, b) => a - b) : [asked.version],
      window: { start: iso(window.start), end: iso(window.end) },
      task: first[1].task.kind,
      prediction: [...names].join(', '),
      positiveClass: given === '' ? null : given,
    };
    return {
      model,
      version: asked?.version ?? null,
      window,
      counts,
      tasks,
      kind: first[1].task.kind,
      notes,
      header,
    };
  }

  /** Successful predictions per version of a model in a window. */
  private async countRows(
    model: string,
    window: ReportWindow,
    version?: number,
  ): Promise<Map<number, number>> {
    const counts = new Map<number, number>();
    for await (const segment of this.predictions.windowSummaries({
      model,
      version,
      from: iso(window.start),
      to: iso(window.end),
    })) {
      const { marks, rows } = segment.summary;
      let succeeded = 0;
      for (let row = 0; row < rows; row += 1) {
        if ((marks[row]! & Mark.Error) === 0 && segment.inWindow(row)) succeeded += 1;
      }
      if (succeeded > 0) counts.set(segment.version, (counts.get(segment.version) ?? 0) + succeeded);
    }
    return counts;
  }
}
