import { breaches, type AlertRule } from './alert-rule.js';
import type { MetricReading, MetricWindow } from './metric-source.js';

/** One window's reading as an alert keeps it. */
export interface WindowReading {
  readonly window: MetricWindow;
  readonly value: number;
  readonly rows: number;
  readonly version: number | undefined;
  readonly details: Readonly<Record<string, unknown>> | undefined;
}

/**
 * Where one rule stands for one model. Times are window bounds, never a clock reading, so the same
 * windows always give the same states.
 * - `inactive`: the last verdict was clear (or there was none yet).
 * - `pending`: the last `breaches.length` verdicts breached, fewer than the rule's `forWindows`;
 *   `since` is the start of the first of them.
 * - `firing`: `forWindows` verdicts in a row breached; `breaches` are those that fired it and
 *   `since` is the end of the last of them (when it fired). It fires until a verdict is clear.
 * - `resolved`: the first clear verdict after firing; `since` is the end of that window. The next
 *   verdict makes it inactive (clear) or pending/firing again (breaching).
 */
export type AlertState =
  | { readonly kind: 'inactive' }
  | { readonly kind: 'pending'; readonly since: Date; readonly breaches: readonly WindowReading[] }
  | { readonly kind: 'firing'; readonly since: Date; readonly breaches: readonly WindowReading[] }
  | { readonly kind: 'resolved'; readonly since: Date };

/** The kinds an alert can be in. */
export type AlertStateKind = AlertState['kind'];

/** Every alert state kind, in the order an alert usually goes through them. */
export const ALERT_STATE_KINDS: readonly AlertStateKind[] = ['inactive', 'pending', 'firing', 'resolved'];

/**
 * What one window says about a rule: its reading breaches the threshold, or is clear of it; or the
 * window had too little data (the metric source answered undefined, or a value that is not a
 * finite number), which is no verdict.
 */
export type WindowVerdict =
  | { readonly kind: 'breaching'; readonly reading: WindowReading }
  | { readonly kind: 'clear'; readonly reading: WindowReading }
  | { readonly kind: 'no-verdict'; readonly window: MetricWindow };

/** The state of a rule for a model never evaluated. */
export const INACTIVE: AlertState = { kind: 'inactive' };

/** The verdict of `rule` on the reading of `window` (undefined: not enough data). */
export function verdictOf(
  rule: Pick<AlertRule, 'op' | 'threshold'>,
  window: MetricWindow,
  reading: MetricReading | undefined,
): WindowVerdict {
  if (reading === undefined || !Number.isFinite(reading.value)) return { kind: 'no-verdict', window };
  const kept: WindowReading = {
    window,
    value: reading.value,
    rows: reading.rows,
    version: reading.version,
    details: reading.details,
  };
  return { kind: breaches(rule, reading.value) ? 'breaching' : 'clear', reading: kept };
}

/**
 * The state after one more window's verdict. Pure. A window without a verdict changes nothing: it
 * neither extends a run of breaching windows nor breaks it, and neither fires nor resolves, so a
 * quiet hour cannot resolve an alert (nor a flaky source fire one). A firing alert stays firing
 * (its actions ran once, on entering) until a clear verdict resolves it.
 */
export function nextAlertState(state: AlertState, verdict: WindowVerdict, forWindows: number): AlertState {
  switch (verdict.kind) {
    case 'no-verdict':
      return state;
    case 'clear':
      return state.kind === 'firing' ? { kind: 'resolved', since: verdict.reading.window.end } : INACTIVE;
    case 'breaching': {
      if (state.kind === 'firing') return state;
      const run = [...(state.kind === 'pending' ? state.breaches : []), verdict.reading];
      if (run.length >= Math.max(1, forWindows)) {
        return { kind: 'firing', since: verdict.reading.window.end, breaches: run.slice(-forWindows) };
      }
      const first = run[0] ?? verdict.reading;
      return { kind: 'pending', since: first.window.start, breaches: run };
    }
  }
}

/** The notification a change of state sends, if any: on entering firing, and on resolving. */
export type AlertNotificationType = 'alert.firing' | 'alert.resolved';

/** The notification sent when an alert goes from `from` to `to`, or undefined when none is. */
export function notificationOf(from: AlertStateKind, to: AlertStateKind): AlertNotificationType | undefined {
  if (to === 'firing' && from !== 'firing') return 'alert.firing';
  if (to === 'resolved' && from !== 'resolved') return 'alert.resolved';
  return undefined;
}
