import { allocateElements, elementCount } from '../core/index.js';
import { FerryError, toFerryError } from '../core/index.js';
import type { Signature, VersionRecord } from '../registry/index.js';
import type { Runtime, RuntimeSession, RuntimeTensor, SessionOptions } from './runtime.js';

/** Where the manager gets a version's bytes (the registry, which verifies the digest). */
export interface ArtifactSource {
  readArtifact(version: VersionRecord): Promise<Uint8Array>;
}

/** A version whose session is ready to run. */
export interface LoadedModel {
  readonly version: VersionRecord;
  readonly session: RuntimeSession;
}

/** The load state of one version, as a discriminated union. */
export type LoadState =
  | { readonly kind: 'loading'; readonly since: number; readonly done: Promise<LoadedModel> }
  | { readonly kind: 'ready'; readonly model: LoadedModel; readonly loadMs: number }
  | { readonly kind: 'failed'; readonly error: FerryError; readonly at: number };

export interface ModelManagerOptions {
  readonly session: SessionOptions;
  readonly warmup: boolean;
  /** After a failed load, how long callers get the stored error before a new attempt. */
  readonly loadRetryMs: number;
  readonly now?: () => number;
  readonly onLoaded?: (version: VersionRecord, loadMs: number) => void;
  readonly onFailed?: (version: VersionRecord, error: FerryError) => void;
}

/** A synthetic input for warm-up: zeros (or empty strings) with every dynamic dimension set to 1. */
export function warmupInputs(signature: Signature): Record<string, RuntimeTensor> {
  const inputs: Record<string, RuntimeTensor> = {};
  for (const spec of signature.inputs) {
    const shape = spec.shape.map((dim) => (dim < 0 ? 1 : dim));
    inputs[spec.name] = {
      datatype: spec.datatype,
      shape,
      data: allocateElements(spec.datatype, elementCount(shape)),
    };
  }
  return inputs;
}

const keyOf = (model: string, version: number): string => `${model}:${version}`;

/**
 * Loads versions into runtime sessions on demand (or at start), warms them up, and keeps one
 * session per version. A version that fails to load is remembered as failed so its callers get
 * a clear error fast, while every other version keeps serving.
 */
export class ModelManager {
  private readonly states = new Map<string, LoadState>();
  private readonly now: () => number;

  constructor(
    private readonly runtime: Runtime,
    private readonly artifacts: ArtifactSource,
    private readonly options: ModelManagerOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Whether runs take the input buffers away (see Runtime.transfersInputs). */
  get transfersInputs(): boolean {
    return this.runtime.transfersInputs;
  }

  /** The session for a version, loading it first if needed. Throws MODEL_LOAD_FAILED for a broken version. */
  acquire(version: VersionRecord): Promise<LoadedModel> {
    const key = keyOf(version.model, version.version);
    const state = this.states.get(key);
    if (state?.kind === 'ready') return Promise.resolve(state.model);
    if (state?.kind === 'loading') return state.done;
    if (state?.kind === 'failed' && this.now() - state.at < this.options.loadRetryMs) {
      return Promise.reject(state.error);
    }
    return this.startLoad(key, version);
  }

  /** The state of a version, or undefined if it was never asked for. */
  stateOf(model: string, version: number): LoadState | undefined {
    return this.states.get(keyOf(model, version));
  }

  /** Every version the manager knows of, with its state. */
  entries(): { model: string; version: number; state: LoadState }[] {
    return [...this.states.entries()].map(([key, state]) => {
      const at = key.lastIndexOf(':');
      return { model: key.slice(0, at), version: Number(key.slice(at + 1)), state };
    });
  }

  /** Release a version's session; the next request loads it again. */
  async unload(model: string, version: number): Promise<void> {
    const key = keyOf(model, version);
    const state = this.states.get(key);
    this.states.delete(key);
    if (state?.kind === 'ready') await state.model.session.release();
    if (state?.kind === 'loading') {
      const loaded = await state.done.catch(() => undefined);
      await loaded?.session.release();
    }
  }

  /** Release every session (at shutdown). */
  async close(): Promise<void> {
    await Promise.all(this.entries().map((entry) => this.unload(entry.model, entry.version)));
  }

  private startLoad(key: string, version: VersionRecord): Promise<LoadedModel> {
    const started = this.now();
    const done = this.load(version).then(
      (model) => {
        const loadMs = this.now() - started;
        if (this.states.get(key)?.kind === 'loading') this.states.set(key, { kind: 'ready', model, loadMs });
        this.options.onLoaded?.(version, loadMs);
        return model;
      },
      (cause: unknown) => {
        const reason = toFerryError(cause);
        const detail = reason.code === 'INTERNAL' && cause instanceof Error ? cause.message : reason.message;
        const error = new FerryError(
          'MODEL_LOAD_FAILED',
          `model '${version.model}' version ${version.version} failed to load: ${detail}`,
          { cause, details: { model: version.model, version: version.version, reason: reason.code } },
        );
        this.states.set(key, { kind: 'failed', error, at: this.now() });
        this.options.onFailed?.(version, error);
        throw error;
      },
    );
    // Callers await `done`; this empty handler only keeps an unawaited failure from crashing the process.
    done.catch(() => undefined);
    this.states.set(key, { kind: 'loading', since: started, done });
    return done;
  }

  private async load(version: VersionRecord): Promise<LoadedModel> {
    const bytes = await this.artifacts.readArtifact(version);
    const session = await this.runtime.load(bytes, this.options.session);
    if (this.options.warmup) {
      try {
        // One warm-up per instance: concurrent runs spread over every worker holding the session.
        const outputs = version.signature.outputs.map((output) => output.name);
        await Promise.all(
          Array.from({ length: session.concurrency }, () =>
            session.run(warmupInputs(version.signature), outputs),
          ),
        );
      } catch (error) {
        await session.release();
        throw new Error(`warm-up run failed: ${(error as Error).message}`, { cause: error });
      }
    }
    return { version, session };
  }
}
