import type { LoadState } from '../runtime/index.js';

/** The load state of a version, as readiness needs it. */
export interface StateSource {
  stateOf(model: string, version: number): LoadState | undefined;
}

/** Whether the server can take inference traffic now, and why not. */
export type ReadinessVerdict = { readonly ready: true } | { readonly ready: false; readonly reason: string };

/**
 * Server readiness: not ready until start-up preloading has finished, nor once draining for
 * shutdown. With `strict`, also not ready while any preloaded version is not loaded (as Triton's
 * strict readiness); models loaded on demand never make the server unready.
 */
export class Readiness {
  private preloaded: { model: string; version: number }[] = [];
  private unresolved: string[] = [];
  private started = false;
  private draining = false;

  constructor(
    private readonly states: StateSource,
    private readonly strict: boolean,
  ) {}

  /**
   * Start-up preloading is over: `preloaded` are the versions it loaded (or tried to);
   * `unresolved` are preload entries that named no existing version (with the reason).
   */
  markStarted(preloaded: { model: string; version: number }[], unresolved: string[] = []): void {
    this.preloaded = preloaded;
    this.unresolved = unresolved;
    this.started = true;
  }

  markDraining(): void {
    this.draining = true;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  check(): ReadinessVerdict {
    if (this.draining) return { ready: false, reason: 'the server is draining for shutdown' };
    if (!this.started) return { ready: false, reason: 'the server is still loading its preloaded models' };
    if (!this.strict) return { ready: true };
    const [firstUnresolved] = this.unresolved;
    if (firstUnresolved !== undefined) return { ready: false, reason: firstUnresolved };
    for (const { model, version } of this.preloaded) {
      const state = this.states.stateOf(model, version);
      if (state?.kind === 'failed') return { ready: false, reason: state.error.message };
      if (state?.kind !== 'ready')
        return { ready: false, reason: `model '${model}' version ${version} is not loaded` };
    }
    return { ready: true };
  }
}
