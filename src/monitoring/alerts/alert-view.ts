import type { CallbackState } from '../../jobs/index.js';
import type { AlertDelivery, AlertEvent, AlertStatus } from './alert-records.js';
import { formatAction, type AlertRule, type AlertSeverity } from './alert-rule.js';
import type { AlertStateKind } from './alert-state.js';
import type { MetricName, MetricWindow } from './metric-source.js';

/** A window as the API shows it. */
export interface WindowView {
  readonly start: string;
  readonly end: string;
}

/** A rule as `GET /api/v1/alerts/rules` shows it (as configured). */
export interface AlertRuleView {
  readonly name: string;
  readonly model: string;
  readonly metric: MetricName;
  readonly feature?: string;
  readonly op: 'above' | 'below';
  readonly threshold: number;
  readonly forWindows: number;
  readonly severity: AlertSeverity;
  /** `webhook:<name>` or `retrain`. */
  readonly actions: readonly string[];
}

/** The current state of a rule for a model, as `GET /api/v1/alerts` shows it. */
export interface AlertStatusView {
  readonly rule: string;
  readonly model: string;
  readonly state: AlertStateKind;
  readonly severity: AlertSeverity;
  readonly metric: MetricName;
  readonly feature?: string;
  readonly op: 'above' | 'below';
  readonly threshold: number;
  readonly forWindows: number;
  /** The last window's value and rows; null when it gave no verdict. */
  readonly value: number | null;
  readonly rows: number | null;
  readonly version: number | null;
  /** Consecutive breaching windows so far (pending), or those that fired it (firing). */
  readonly breaches: number;
  /** When the alert became pending (first breaching window's start), fired, or resolved. */
  readonly since?: string;
  /** The last window evaluated. */
  readonly window: WindowView;
  readonly updatedAt: string;
}

/** How a notification or retraining trigger of an event is going. */
export interface AlertDeliveryView {
  readonly id: string;
  /** `webhook:<name>` or `retrain`. */
  readonly channel: string;
  /** `alert.firing` or `alert.resolved`. */
  readonly event: string;
  /** `pending` until delivered or given up. */
  readonly state: 'pending' | 'delivered' | 'failed';
  /** Deliveries started so far. */
  readonly attempts: number;
  /** What the last attempt gave: `HTTP 204`, `exit code 0`, or why it failed. */
  readonly outcome?: string;
  readonly deliveredAt?: string;
  /** Why the delivery failed (or the last attempt, while it is tried again). */
  readonly error?: string;
}

/** One change of state, as `GET /api/v1/alerts/events` shows it. */
export interface AlertEventView {
  readonly id: number;
  readonly rule: string;
  readonly model: string;
  readonly version: number | null;
  readonly from: AlertStateKind;
  readonly to: AlertStateKind;
  readonly severity: AlertSeverity;
  readonly metric: MetricName;
  readonly feature?: string;
  readonly op: 'above' | 'below';
  readonly value: number | null;
  readonly threshold: number;
  readonly window: WindowView;
  readonly at: string;
  readonly deliveries: readonly AlertDeliveryView[];
}

const windowView = (window: MetricWindow): WindowView => ({
  start: window.start.toISOString(),
  end: window.end.toISOString(),
});

/** The view of a rule. */
export function ruleView(rule: AlertRule): AlertRuleView {
  return {
    name: rule.name,
    model: rule.model,
    metric: rule.metric,
    ...(rule.feature === undefined ? {} : { feature: rule.feature }),
    op: rule.op,
    threshold: rule.threshold,
    forWindows: rule.forWindows,
    severity: rule.severity,
    actions: rule.actions.map(formatAction),
  };
}

/** The view of a stored state with its rule. */
export function statusView(status: AlertStatus, rule: AlertRule): AlertStatusView {
  const { state } = status;
  return {
    rule: status.rule,
    model: status.model,
    state: state.kind,
    severity: rule.severity,
    metric: rule.metric,
    ...(rule.feature === undefined ? {} : { feature: rule.feature }),
    op: rule.op,
    threshold: rule.threshold,
    forWindows: rule.forWindows,
    value: status.lastValue ?? null,
    rows: status.lastRows ?? null,
    version: status.version ?? null,
    breaches: state.kind === 'pending' || state.kind === 'firing' ? state.breaches.length : 0,
    ...(state.kind === 'inactive' ? {} : { since: state.since.toISOString() }),
    window: windowView(status.window),
    updatedAt: status.updatedAt.toISOString(),
  };
}

function deliveryState(state: CallbackState): Pick<AlertDeliveryView, 'state' | 'deliveredAt' | 'error'> {
  switch (state.kind) {
    case 'pending':
    case 'sending':
      return { state: 'pending', ...(state.lastError === undefined ? {} : { error: state.lastError }) };
    case 'delivered':
      return { state: 'delivered', deliveredAt: state.deliveredAt.toISOString() };
    case 'failed':
      return { state: 'failed', error: state.error };
  }
}

/** The view of a delivery. */
export function deliveryView(delivery: AlertDelivery): AlertDeliveryView {
  return {
    id: delivery.id,
    channel: delivery.channel,
    event: delivery.notice.type,
    attempts: delivery.state.attempts,
    ...deliveryState(delivery.state),
    ...(delivery.outcome === undefined ? {} : { outcome: delivery.outcome }),
  };
}

/** The view of an event with its deliveries. */
export function eventView(event: AlertEvent, deliveries: readonly AlertDelivery[]): AlertEventView {
  return {
    id: event.id,
    rule: event.rule,
    model: event.model,
    version: event.version ?? null,
    from: event.from,
    to: event.to,
    severity: event.severity,
    metric: event.metric,
    ...(event.feature === undefined ? {} : { feature: event.feature }),
    op: event.op,
    value: event.value ?? null,
    threshold: event.threshold,
    window: windowView(event.window),
    at: event.at.toISOString(),
    deliveries: deliveries.map(deliveryView),
  };
}
