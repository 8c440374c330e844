import type { VersionRef } from '../../registry/index.js';
import { parseVersionRef } from '../../registry/index.js';
import type { LiveProfileStore } from '../profiles/live-profile-store.js';
import {
  readLiveProfile,
  windowStartOf,
  type MergedLiveProfile,
  type WindowRange,
} from '../profiles/live-windows.js';
import type { ReferenceLookup } from '../profiles/live-profiler.js';
import type { VersionSource } from '../profiles/reference-service.js';
import type { DriftSettings } from '../stats/index.js';
import { computeDriftReport, type DriftReport } from './drift-report.js';
import { parseDriftWindow } from './drift-window.js';

/** A drift query as the API and CLI take it. */
export interface DriftQuery {
  /** A version number or alias; the model's default version when absent. */
  readonly version?: string | undefined;
  /** `current` (default), `last`, or `<ISO start>/<ISO end>`. */
  readonly window?: string | undefined;
  /** With current or last: how many windows back (default 1). */
  readonly windows?: number | string | undefined;
}

export interface DriftServiceDeps {
  readonly versions: VersionSource;
  readonly references: ReferenceLookup;
  readonly live: LiveProfileStore;
  readonly settings: DriftSettings;
  /** `monitoring.windowMs` */
  readonly windowMs: number;
  readonly clock?: (() => number) | undefined;
  /** Told of every report computed (the Prometheus gauges keep the current window's). */
  readonly onReport?: ((report: DriftReport) => void) | undefined;
}

/** The monitoring settings drift uses, from the configuration's `monitoring` section. */
export function driftSettingsOf(monitoring: DriftSettings): DriftSettings {
  const { minWindowRows, smallSampleRows, pValueThreshold, distanceThreshold, datasetDriftShare } =
    monitoring;
  return { minWindowRows, smallSampleRows, pValueThreshold, distanceThreshold, datasetDriftShare };
}

/**
 * Drift reports: a version's live profiles over a range of windows (merged across replicas and
 * windows) against its reference profile. Reads only profiles, never the prediction log, so a
 * report costs one query and one merge whatever the traffic.
 */
export class DriftService {
  constructor(private readonly deps: DriftServiceDeps) {}

  private get now(): number {
    return (this.deps.clock ?? Date.now)();
  }

  /** `monitoring.windowMs` */
  get windowMs(): number {
    return this.deps.windowMs;
  }

  /** The window in progress now. */
  currentWindow(): WindowRange {
    const start = windowStartOf(this.now, this.deps.windowMs);
    return { start: new Date(start), end: new Date(start + this.deps.windowMs) };
  }

  /** The drift report a query asks for (the version resolved through the registry). */
  async report(model: string, query: DriftQuery = {}): Promise<DriftReport> {
    const range = parseDriftWindow(query.window, query.windows, this.deps.windowMs, this.now);
    const ref: VersionRef = parseVersionRef(query.version);
    const version = await this.deps.versions.getVersion(model, ref);
    return this.reportFor(version.model, version.version, range);
  }

  /** The drift report of a version over a range of windows. */
  async reportFor(model: string, version: number, range: WindowRange): Promise<DriftReport> {
    const reference = await this.deps.references.get(model, version);
    const live = await this.liveProfile(model, version, range, reference?.profile);
    const report = computeDriftReport({
      model,
      version,
      range,
      windowMs: this.deps.windowMs,
      reference,
      live,
      settings: this.deps.settings,
    });
    this.deps.onReport?.(report);
    return report;
  }

  /**
   * The live profile of a version over a range of windows, merged across replicas and windows,
   * laid out on `layout`'s bins when given (see mergeLiveRows).
   */
  liveProfile(
    model: string,
    version: number,
    range: WindowRange,
    layout?: Parameters<typeof readLiveProfile>[4],
  ): Promise<MergedLiveProfile> {
    return readLiveProfile(this.deps.live, model, version, range, layout);
  }

  /** The versions of a model with live profiles in a range, most predictions first. */
  async activeVersions(
    range: WindowRange,
    model?: string,
  ): Promise<{ model: string; version: number; rows: number }[]> {
    return this.deps.live.versions(range.start.toISOString(), range.end.toISOString(), model);
  }
}
