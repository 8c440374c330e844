/** An entry of the queue; `removed` marks entries taken out early (expired, cancelled). */
export interface QueueEntry {
  readonly priority: number;
  readonly rows: number;
  removed: boolean;
}

/**
 * A FIFO queue per priority level, highest level first. Removal of an entry in the middle is
 * lazy (it is marked and skipped), so expiring or cancelling a request is O(1).
 */
export class RequestQueue<T extends QueueEntry> {
  private readonly levels = new Map<number, T[]>();
  private order: number[] = [];
  private liveCount = 0;
  private liveRows = 0;

  get size(): number {
    return this.liveCount;
  }

  get rows(): number {
    return this.liveRows;
  }

  push(entry: T): void {
    let level = this.levels.get(entry.priority);
    if (level === undefined) {
      level = [];
      this.levels.set(entry.priority, level);
      this.order = [...this.levels.keys()].sort((a, b) => b - a);
    }
    level.push(entry);
    this.liveCount += 1;
    this.liveRows += entry.rows;
  }

  /** Mark an entry removed (it stays in place until it reaches the head). */
  remove(entry: T): void {
    if (entry.removed) return;
    entry.removed = true;
    this.liveCount -= 1;
    this.liveRows -= entry.rows;
  }

  /** Live entries in service order: highest priority first, then first come first served. */
  *entries(): Generator<T> {
    for (const priority of this.order) {
      for (const entry of this.levels.get(priority) ?? []) if (!entry.removed) yield entry;
    }
  }

  /** The live entry served next, if any. */
  peek(): T | undefined {
    for (const entry of this.entries()) return entry;
    return undefined;
  }

  /** Take the given live entries out, and drop removed ones from the heads of the levels. */
  take(entries: readonly T[]): void {
    for (const entry of entries) this.remove(entry);
    for (const [priority, level] of this.levels) {
      let head = 0;
      while (head < level.length && level[head]!.removed) head += 1;
      if (head === level.length) this.levels.delete(priority);
      else if (head > 0) level.splice(0, head);
    }
    if (this.order.length !== this.levels.size) this.order = [...this.levels.keys()].sort((a, b) => b - a);
  }
}
