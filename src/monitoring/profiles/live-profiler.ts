import type { Logger } from '../../core/index.js';
import { Mark } from '../log/segment-columns.js';
import type { LoggedGroup, LoggedPredictions } from '../log/prediction-record.js';
import type { LiveProfileStore } from './live-profile-store.js';
import { windowStartOf } from './live-windows.js';
import type { ReferenceRecord } from './reference-store.js';
import { VersionProfile } from './version-profile.js';

/** Where the profiler learns of a version's reference (its histogram edges and category caps). */
export interface ReferenceLookup {
  get(model: string, version: number): Promise<ReferenceRecord | null>;
}

export interface LiveProfilerOptions {
  readonly store: LiveProfileStore;
  readonly references: ReferenceLookup;
  /** This process's replica id (see makeReplicaId). */
  readonly replica: string;
  /** `monitoring.windowMs` */
  readonly windowMs: number;
  /** `monitoring.profileFlushIntervalMs` */
  readonly flushIntervalMs: number;
  readonly logger?: Logger | undefined;
  /** Wall clock in ms; Date.now by default. */
  readonly clock?: (() => number) | undefined;
}

/** The profile of one version over one window, as this replica has seen it. */
interface LiveWindow {
  readonly model: string;
  readonly version: number;
  readonly start: number;
  readonly end: number;
  profile: VersionProfile;
  rows: number;
  dirty: boolean;
}

/**
 * Keeps the live profiles of this replica: subscribed to the prediction log, it adds each stored
 * prediction (status `ok`) to the profile of its version and window (windows of
 * `monitoring.windowMs`, aligned to the Unix epoch, by the prediction's time), and every
 * `monitoring.profileFlushIntervalMs` upserts the windows that changed, one row per (version,
 * window, replica). Everything runs off the hot path, after the log's write.
 *
 * A window's profile is laid out like the version's reference when it has one (same histogram
 * edges and category caps), so reference and live compare bin for bin; before a reference exists
 * numeric features get one bin (readers recut them from their sketches). A window is kept in
 * memory while predictions may still arrive for it; one that comes back later (a late record)
 * is first read from the database, so the stored row stays cumulative.
 */
export class LiveProfiler {
  private readonly windows = new Map<string, Promise<LiveWindow>>();
  private readonly pending = new Set<Promise<void>>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;

  constructor(private readonly options: LiveProfilerOptions) {
    this.clock = options.clock ?? Date.now;
  }

  /** The prediction log listener: `log.subscribe((batch) => profiler.ingest(batch))`. */
  ingest(batch: LoggedPredictions): Promise<void> {
    const work = this.ingestGroups(batch.groups).catch((error: unknown) => {
      this.options.logger?.warn({ err: error }, 'predictions not added to the live profiles');
    });
    this.pending.add(work);
    void work.finally(() => this.pending.delete(work));
    return work;
  }

  private async ingestGroups(groups: readonly LoggedGroup[]): Promise<void> {
    for (const group of groups) {
      const { columns } = group;
      if (group.features.length === 0) continue;
      // Successful rows by window.
      const byWindow = new Map<number, number[]>();
      for (let row = 0; row < columns.rows; row += 1) {
        if ((columns.marks[row]! & Mark.Error) !== 0) continue;
        const start = windowStartOf(columns.times[row]!, this.options.windowMs);
        let list = byWindow.get(start);
        if (list === undefined) byWindow.set(start, (list = []));
        list.push(row);
      }
      if (byWindow.size === 0) continue;
      const reference = await this.options.references.get(group.model, group.version);
      for (const [start, rows] of byWindow) {
        const window = await this.liveWindow(group, start, reference);
        // Features this window lacks (a redaction change) are added empty.
        window.profile = window.profile.withFeatures(group.features, reference?.profile);
        window.profile.addColumns(columns, rows);
        window.rows += rows.length;
        window.dirty = true;
      }
    }
  }

  /** The window's profile, still held in memory when this resolves (so additions are not lost to eviction). */
  private async liveWindow(
    group: LoggedGroup,
    start: number,
    reference: ReferenceRecord | null,
  ): Promise<LiveWindow> {
    const key = `${group.model}\u0000${group.version}\u0000${start}`;
    for (;;) {
      let pending = this.windows.get(key);
      if (pending === undefined) {
        const opening = this.openWindow(group, start, reference);
        this.windows.set(key, opening);
        // A failed open is retried by the next batch.
        opening.catch(() => {
          if (this.windows.get(key) === opening) this.windows.delete(key);
        });
        pending = opening;
      }
      const window = await pending;
      if (this.windows.get(key) === pending) return window;
    }
  }

  private async openWindow(
    group: LoggedGroup,
    start: number,
    reference: ReferenceRecord | null,
  ): Promise<LiveWindow> {
    const end = start + this.options.windowMs;
    const stored = await this.options.store.get(
      group.model,
      group.version,
      new Date(start).toISOString(),
      this.options.replica,
    );
    return {
      model: group.model,
      version: group.version,
      start,
      end,
      profile:
        stored === undefined
          ? VersionProfile.emptyFor(group.features, reference?.profile)
          : VersionProfile.fromJSON(stored.profileJson),
      rows: stored?.rows ?? 0,
      dirty: false,
    };
  }

  /** Start the flush timer (unref'd). */
  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs);
    this.timer.unref();
  }

  /** Write every window that changed since the last flush. Concurrent calls share one. Never rejects. */
  flush(): Promise<void> {
    this.flushing ??= this.writeDirty()
      .catch((error: unknown) =>
        this.options.logger?.warn({ err: error }, 'live profiles not written; retrying'),
      )
      .finally(() => {
        this.flushing = undefined;
      });
    return this.flushing;
  }

  /** Wait for predictions being added, then write everything (tests, and shutdown). */
  async settle(): Promise<void> {
    await Promise.all([...this.pending]);
    await this.flushing;
    await this.flush();
  }

  /** Stop the timer and write what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.settle();
  }

  private async writeDirty(): Promise<void> {
    const now = this.clock();
    for (const [key, pending] of [...this.windows]) {
      let window: LiveWindow;
      try {
        window = await pending;
      } catch {
        continue;
      }
      if (window.dirty) {
        // Serialize now: later additions mark the window dirty again for the next flush.
        const profileJson = JSON.stringify(window.profile.toJSON());
        const rows = window.rows;
        window.dirty = false;
        try {
          await this.options.store.upsert({
            model: window.model,
            version: window.version,
            windowStart: new Date(window.start).toISOString(),
            windowEnd: new Date(window.end).toISOString(),
            replica: this.options.replica,
            profileJson,
            rows,
            updatedAt: new Date(now).toISOString(),
          });
        } catch (error) {
          window.dirty = true;
          throw error;
        }
      } else if (window.end + this.options.windowMs < now && this.windows.get(key) === pending) {
        // A window a full window past its end, written and quiet, leaves memory.
        this.windows.delete(key);
      }
    }
  }
}
