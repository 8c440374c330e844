import type { Logger } from '../../core/index.js';

/** A store whose old rows retention deletes. */
export interface RetainedStore {
  /** Delete rows older than `cutoff` (ISO-8601); returns how many. */
  deleteOlderThan(cutoff: string): Promise<number>;
  /** Delete the oldest rows beyond the newest `maxRows`; returns how many. */
  keepNewest(maxRows: number): Promise<number>;
}

export interface RetentionSettings {
  /** `monitoring.retentionMaxAgeMs` */
  readonly maxAgeMs: number;
  /** `monitoring.retentionMaxRows` */
  readonly maxRows: number;
  /** Time between passes. */
  readonly intervalMs: number;
}

/** What one pass deleted, by store name. */
export type RetentionResult = Record<string, { readonly byAge: number; readonly byCount: number }>;

/** Default time between retention passes. */
export const RETENTION_INTERVAL_MS = 60_000;

/**
 * Enforces retention in the background: every `intervalMs` (on an unref'd timer), each store loses
 * its rows older than `maxAgeMs`, then its oldest rows beyond `maxRows`. Deletes run in chunks, so
 * no statement holds the database for long. A failed pass is logged and retried at the next one.
 */
export class RetentionTask {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionResult> | undefined;

  constructor(
    private readonly stores: Readonly<Record<string, RetainedStore>>,
    private readonly settings: RetentionSettings,
    private readonly logger?: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      this.run().catch((error: unknown) =>
        this.logger?.warn({ err: error }, 'monitoring retention pass failed; retrying at the next one'),
      );
    }, this.settings.intervalMs);
    this.timer.unref();
  }

  /** Run one pass now (passes never overlap: a call during a pass shares it). */
  run(): Promise<RetentionResult> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  /** Stop the timer and wait for a pass in progress. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async pass(): Promise<RetentionResult> {
    const cutoff = new Date(this.clock() - this.settings.maxAgeMs).toISOString();
    const result: Record<string, { byAge: number; byCount: number }> = {};
    for (const [name, store] of Object.entries(this.stores)) {
      const byAge = await store.deleteOlderThan(cutoff);
      const byCount = await store.keepNewest(this.settings.maxRows);
      result[name] = { byAge, byCount };
      if (byAge + byCount > 0) {
        this.logger?.info(
          { store: name, byAge, byCount },
          `monitoring retention deleted ${byAge + byCount} ${name}`,
        );
      }
    }
    return result;
  }
}
