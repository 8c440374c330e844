import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { LiveProfileRow, LiveProfileStore } from './live-profile-store.js';
import { VersionProfile } from './version-profile.js';

/** A range of monitoring windows: `start` included, `end` excluded, both on window boundaries. */
export interface WindowRange {
  readonly start: Date;
  readonly end: Date;
}

/** The start (ms since the epoch) of the window holding `at`: windows are aligned to the Unix epoch. */
export function windowStartOf(at: number, windowMs: number): number {
  return Math.floor(at / windowMs) * windowMs;
}

/**
 * A replica id for the live profiles this process writes: host name, process id and a random
 * suffix made at start, so a restarted process (same host, same pid in a container) never
 * overwrites the rows its previous life wrote.
 */
export function makeReplicaId(): string {
  const host =
    hostname()
      .replace(/[^\w.-]/g, '_')
      .slice(0, 64) || 'host';
  return `${host}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** The live profile of a version over a range of windows, merged across replicas and windows. */
export interface MergedLiveProfile {
  /** The merged profile; undefined when no prediction was profiled in the range. */
  readonly profile: VersionProfile | undefined;
  /** Predictions profiled. */
  readonly rows: number;
  /** Windows with data, and the replicas that wrote them. */
  readonly windows: number;
  readonly replicas: number;
  /**
   * True when some rows were laid out on other histogram edges than `layout` (written before the
   * reference was attached or replaced) and were recut from their sketches (exact within α).
   */
  readonly rebinned: boolean;
}

/**
 * Merge stored live rows (any replicas, any windows) into one profile, as one stream of the same
 * predictions would give: counts, missing, min/max, histograms and categories exactly, mean and
 * variance within float rounding, sketches bin for bin (so quantiles within the sketch's α). Rows
 * whose histogram edges differ from `layout` (the current reference) are first recut onto them
 * (see VersionProfile.rebinnedTo); without a layout, onto the edges of the row with most rows.
 */
export function mergeLiveRows(rows: readonly LiveProfileRow[], layout?: VersionProfile): MergedLiveProfile {
  if (rows.length === 0) return { profile: undefined, rows: 0, windows: 0, replicas: 0, rebinned: false };
  const parsed = rows.map((row) => ({ row, profile: VersionProfile.fromJSON(row.profileJson) }));
  const target =
    layout ?? parsed.reduce((best, item) => (item.row.rows > best.row.rows ? item : best)).profile;
  let rebinned = false;
  const aligned = parsed.map(({ profile }) => {
    if (profile.sharesEdgesWith(target)) return profile;
    rebinned = true;
    return profile.rebinnedTo(target);
  });
  return {
    profile: VersionProfile.mergeAll(aligned),
    rows: rows.reduce((sum, row) => sum + row.rows, 0),
    windows: new Set(rows.map((row) => row.windowStart)).size,
    replicas: new Set(rows.map((row) => row.replica)).size,
    rebinned,
  };
}

/** Read and merge the live profile of a version over a range of windows (see {@link mergeLiveRows}). */
export async function readLiveProfile(
  store: LiveProfileStore,
  model: string,
  version: number,
  range: WindowRange,
  layout?: VersionProfile,
): Promise<MergedLiveProfile> {
  const rows = await store.read(model, version, range.start.toISOString(), range.end.toISOString());
  return mergeLiveRows(rows, layout);
}
