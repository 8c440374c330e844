import { randomUUID } from 'node:crypto';
import { FerryError, type Logger } from '../../core/index.js';
import type { AlertNotice, AlertStatus, NewAlertDelivery, NewAlertEvent } from './alert-records.js';
import { formatAction, type AlertRule } from './alert-rule.js';
import {
  INACTIVE,
  nextAlertState,
  notificationOf,
  verdictOf,
  type AlertNotificationType,
  type AlertState,
  type WindowReading,
  type WindowVerdict,
} from './alert-state.js';
import type { AlertStore } from './alert-store.js';
import { lastCompleteWindowEnd, windowsToEvaluate } from './alert-windows.js';
import type { MetricSource, MetricWindow } from './metric-source.js';

/** Settings of the evaluator. */
export interface AlertEvaluatorOptions {
  /** Window length (`alerts.windowMs`, or `monitoring.windowMs`). */
  readonly windowMs: number;
  /** How often a round runs (`alerts.evaluateIntervalMs`). */
  readonly intervalMs: number;
  /**
   * How long after its end a window is complete: `monitoring.flushIntervalMs` (the log writes its
   * predictions) plus `monitoring.profileFlushIntervalMs` (the live profiles drift reads are written).
   */
  readonly settleMs: number;
}

/** Dependencies of the evaluator. */
export interface AlertEvaluatorDeps {
  readonly store: AlertStore;
  readonly source: MetricSource;
  readonly rules: readonly AlertRule[];
  /** The models in the registry, for rules on `*`. */
  readonly listModels: () => Promise<readonly string[]>;
  readonly logger: Logger;
  readonly clock?: (() => Date) | undefined;
  /** Called after a round that enqueued deliveries (wakes the dispatcher). */
  readonly onEnqueued?: (() => void) | undefined;
}

/** What one round did. */
export interface EvaluationRound {
  /** (rule, model) pairs with new windows evaluated and recorded by this evaluator. */
  readonly recorded: number;
  /** Pairs whose windows another evaluator recorded first (nothing written here). */
  readonly lost: number;
  /** Pairs that failed (the metric source or the database threw); tried again next round. */
  readonly failed: number;
  readonly events: number;
  readonly deliveries: number;
}

const isoWindow = (window: MetricWindow) => ({
  start: window.start.toISOString(),
  end: window.end.toISOString(),
});

function noticeReadings(readings: readonly WindowReading[]): AlertNotice['readings'] {
  return readings.map((reading) => ({
    window: isoWindow(reading.window),
    value: reading.value,
    rows: reading.rows,
    ...(reading.version === undefined ? {} : { version: reading.version }),
    ...(reading.details === undefined ? {} : { details: reading.details }),
  }));
}

/**
 * Evaluates every rule for every model it applies to, once per complete window, on an interval.
 * For each (rule, model) it reads the metric for each window not yet evaluated (at most
 * `forWindows` of them, oldest first), runs the pure state machine over the verdicts, and records
 * the new state with every change of state and the deliveries those enqueue in one transaction
 * (`AlertStore.record`): entering `firing` enqueues each action of the rule once; `resolved`
 * notifies the rule's webhooks. Several replicas may evaluate at once: the store records each
 * window once, so each change notifies once.
 */
export class AlertEvaluator {
  private readonly clock: () => Date;
  private phase: 'new' | 'started' | 'stopped' = 'new';
  private loopDone: Promise<void> = Promise.resolve();
  private wake: (() => void) | undefined;
  /** Rule and model pairs already warned about a model that is not registered. */
  private readonly unregistered = new Set<string>();

  constructor(
    private readonly deps: AlertEvaluatorDeps,
    private readonly options: AlertEvaluatorOptions,
  ) {
    this.clock = deps.clock ?? (() => new Date());
  }

  /** Run a round now, then one every `intervalMs`. */
  start(): void {
    if (this.phase !== 'new' || this.deps.rules.length === 0) return;
    this.phase = 'started';
    this.loopDone = this.loop();
  }

  /** Stop after the round in progress. */
  async stop(): Promise<void> {
    this.phase = 'stopped';
    this.wake?.();
    await this.loopDone;
  }

  private async loop(): Promise<void> {
    while (this.phase === 'started') {
      try {
        await this.evaluate();
      } catch (error) {
        this.deps.logger.error({ err: error }, 'alert evaluation failed; trying again at the next round');
      }
      await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    if (this.phase !== 'started') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.intervalMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }

  /** Say once per rule and model, without a stack, that a rule names a model not registered yet. */
  private warnUnregistered(rule: string, model: string): void {
    const key = `${rule}\u0000${model}`;
    if (this.unregistered.has(key)) return;
    this.unregistered.add(key);
    this.deps.logger.warn(
      { rule, model },
      `alert rule '${rule}' watches model '${model}', which is not registered; it gives no verdict until the model is pushed`,
    );
  }

  /** One round at `now`: every (rule, model) with a window not yet evaluated. */
  async evaluate(now: Date = this.clock()): Promise<EvaluationRound> {
    const { windowMs, settleMs } = this.options;
    const latestEnd = lastCompleteWindowEnd(now, windowMs, settleMs);
    const stored = new Map(
      (await this.deps.store.listStatuses()).map((status) => [`${status.rule}\u0000${status.model}`, status]),
    );
    let models: readonly string[] = [];
    if (this.deps.rules.some((rule) => rule.model === '*')) {
      try {
        models = await this.deps.listModels();
      } catch (error) {
        this.deps.logger.warn({ err: error }, 'listing models for alert rules on * failed; skipping them');
      }
    }
    const round = { recorded: 0, lost: 0, failed: 0, events: 0, deliveries: 0 };
    for (const rule of this.deps.rules) {
      for (const model of rule.model === '*' ? models : [rule.model]) {
        const previous = stored.get(`${rule.name}\u0000${model}`);
        try {
          const outcome = await this.evaluatePair(rule, model, previous, latestEnd, now);
          if (outcome === undefined) continue;
          if (outcome.recorded) {
            round.recorded += 1;
            round.events += outcome.events;
            round.deliveries += outcome.deliveries;
          } else round.lost += 1;
        } catch (error) {
          round.failed += 1;
          if (error instanceof FerryError && error.code === 'MODEL_NOT_FOUND') {
            this.warnUnregistered(rule.name, model);
            continue;
          }
          this.deps.logger.warn(
            { err: error, rule: rule.name, model },
            'evaluating an alert rule failed; its windows are tried again at the next round',
          );
        }
      }
    }
    if (round.deliveries > 0) this.deps.onEnqueued?.();
    return round;
  }

  private async evaluatePair(
    rule: AlertRule,
    model: string,
    previous: AlertStatus | undefined,
    latestEnd: Date,
    now: Date,
  ): Promise<{ recorded: boolean; events: number; deliveries: number } | undefined> {
    const windows = windowsToEvaluate(
      previous?.window.end,
      latestEnd,
      this.options.windowMs,
      rule.forWindows,
    );
    const lastWindow = windows[windows.length - 1];
    if (lastWindow === undefined) return undefined;
    let state: AlertState = previous?.state ?? INACTIVE;
    let version = previous?.version;
    let last: WindowReading | undefined;
    const events: NewAlertEvent[] = [];
    const selector = rule.feature === undefined ? undefined : { feature: rule.feature };
    for (const window of windows) {
      const reading = await this.deps.source.read(model, rule.metric, window, selector);
      const verdict = verdictOf(rule, window, reading);
      const next = nextAlertState(state, verdict, rule.forWindows);
      if (next.kind !== state.kind && verdict.kind !== 'no-verdict') {
        events.push(this.event(rule, model, state, next, verdict, now));
      }
      state = next;
      last = verdict.kind === 'no-verdict' ? undefined : verdict.reading;
      version = last?.version ?? version;
    }
    const status: AlertStatus = {
      rule: rule.name,
      model,
      state,
      version,
      lastValue: last?.value,
      lastRows: last?.rows,
      window: lastWindow,
      updatedAt: now,
    };
    const recorded = await this.deps.store.record({
      previousWindowEnd: previous?.window.end,
      status,
      events,
    });
    if (recorded) {
      for (const event of events) {
        this.deps.logger.info(
          {
            rule: rule.name,
            model,
            from: event.from,
            to: event.to,
            value: event.value,
            severity: rule.severity,
          },
          `alert ${rule.name} of ${model}: ${event.from} → ${event.to}`,
        );
      }
    }
    const deliveries = events.reduce((count, event) => count + event.deliveries.length, 0);
    return { recorded, events: recorded ? events.length : 0, deliveries: recorded ? deliveries : 0 };
  }

  private event(
    rule: AlertRule,
    model: string,
    from: AlertState,
    to: AlertState,
    verdict: Exclude<WindowVerdict, { kind: 'no-verdict' }>,
    now: Date,
  ): NewAlertEvent {
    const { reading } = verdict;
    const readings = to.kind === 'firing' ? to.breaches : [reading];
    const type = notificationOf(from.kind, to.kind);
    const notice = (kind: AlertNotificationType): AlertNotice => ({
      type: kind,
      alert: {
        rule: rule.name,
        model,
        version: reading.version ?? null,
        state: to.kind,
        severity: rule.severity,
        metric: rule.metric,
        ...(rule.feature === undefined ? {} : { feature: rule.feature }),
        op: rule.op,
        value: reading.value,
        threshold: rule.threshold,
        forWindows: rule.forWindows,
        window: isoWindow(reading.window),
      },
      readings: noticeReadings(readings),
      at: now.toISOString(),
    });
    const deliveries: NewAlertDelivery[] = [];
    if (type !== undefined) {
      for (const action of rule.actions) {
        // Retraining is triggered when an alert fires; webhooks hear of firing and resolving.
        if (action.kind === 'retrain' && type !== 'alert.firing') continue;
        deliveries.push({ id: randomUUID(), channel: formatAction(action), notice: notice(type) });
      }
    }
    return {
      rule: rule.name,
      model,
      version: reading.version,
      from: from.kind,
      to: to.kind,
      metric: rule.metric,
      feature: rule.feature,
      op: rule.op,
      severity: rule.severity,
      value: reading.value,
      threshold: rule.threshold,
      window: reading.window,
      readings,
      at: now,
      deliveries,
    };
  }
}
