/**
 * How fast a version's queue drains, in rows per second, for admission decisions. Measured from
 * consecutive completions while a backlog remained, so it includes everything that slows draining
 * (HTTP parsing sharing the core, thread hops), not only the runs' own duration. Until such a
 * sample exists, the runs' own throughput times the run slots stands in.
 */
export class DrainRate {
  private backlogRate = 0;
  private runRate = 0;
  private lastCompletion: number | undefined;
  private backlogged = false;

  /**
   * A run finished at `now` (ms) after `runSeconds` with `rows` rows; `backlogAfter` tells whether
   * work was still waiting or running when it finished.
   */
  completed(rows: number, runSeconds: number, now: number, backlogAfter: boolean): void {
    this.runRate = ewma(this.runRate, rows / Math.max(runSeconds, 1e-6));
    if (this.backlogged && this.lastCompletion !== undefined) {
      this.backlogRate = ewma(this.backlogRate, rows / Math.max((now - this.lastCompletion) / 1000, 1e-6));
    }
    this.lastCompletion = now;
    this.backlogged = backlogAfter;
  }

  /** Rows per second the queue drains at with `slots` runs at once; 0 while unknown. */
  rowsPerSecond(slots: number): number {
    return this.backlogRate > 0 ? this.backlogRate : this.runRate * slots;
  }
}

const ewma = (current: number, sample: number): number =>
  current === 0 ? sample : 0.8 * current + 0.2 * sample;
