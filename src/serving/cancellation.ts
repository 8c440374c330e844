/**
 * A cheap cancellation token for the hot path (an AbortController per request costs an
 * EventTarget). One listener at a time is enough: a request waits in one queue.
 */
export interface Cancellation {
  readonly cancelled: boolean;
  /** Call `listener` once on cancellation; returns a function that removes it. */
  onCancel(listener: () => void): () => void;
}

/** A cancellation the owner triggers by calling `cancel()`. */
export class CancellationSource implements Cancellation {
  private listener: (() => void) | undefined;
  cancelled = false;

  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    const listener = this.listener;
    this.listener = undefined;
    listener?.();
  }

  onCancel(listener: () => void): () => void {
    this.listener = listener;
    return () => {
      if (this.listener === listener) this.listener = undefined;
    };
  }
}
