/**
 * A FIFO queue bounded by total weight (e.g. rows), for the prediction log's buffer. `offer` is
 * O(1) and refuses (returns false) instead of growing past the capacity. Weight taken out with
 * `take` stays reserved until `release`, so items being written still count against the bound.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[] = [];
  private weights: number[] = [];
  private head = 0;
  private queuedWeight = 0;
  private reservedWeight = 0;

  constructor(readonly capacity: number) {}

  /** Items waiting. */
  get size(): number {
    return this.items.length - this.head;
  }

  /** Weight waiting plus weight taken and not yet released. */
  get weight(): number {
    return this.queuedWeight + this.reservedWeight;
  }

  /** Append an item of `weight` (at least 1), or return false when it does not fit. */
  offer(item: T, weight: number): boolean {
    const units = weight >= 1 ? weight : 1;
    if (this.queuedWeight + this.reservedWeight + units > this.capacity) return false;
    this.items.push(item);
    this.weights.push(units);
    this.queuedWeight += units;
    return true;
  }

  /**
   * Remove items from the front until about `maxWeight` is taken (at least one item when any
   * waits). Their weight stays reserved until `release(weight)`.
   */
  take(maxWeight: number): { items: T[]; weight: number } {
    const items: T[] = [];
    let weight = 0;
    while (
      this.head < this.items.length &&
      (items.length === 0 || weight + this.weights[this.head]! <= maxWeight)
    ) {
      items.push(this.items[this.head] as T);
      weight += this.weights[this.head]!;
      this.items[this.head] = undefined;
      this.head += 1;
    }
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.weights = this.weights.slice(this.head);
      this.head = 0;
    } else if (this.head === this.items.length) {
      this.items = [];
      this.weights = [];
      this.head = 0;
    }
    this.queuedWeight -= weight;
    this.reservedWeight += weight;
    return { items, weight };
  }

  /** Free the weight of taken items once they are written (or given up). */
  release(weight: number): void {
    this.reservedWeight = Math.max(0, this.reservedWeight - weight);
  }
}
