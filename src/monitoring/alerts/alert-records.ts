import type { CallbackState } from '../../jobs/index.js';
import type { AlertSeverity } from './alert-rule.js';
import type { AlertNotificationType, AlertState, AlertStateKind, WindowReading } from './alert-state.js';
import type { MetricName, MetricWindow } from './metric-source.js';

/** The stored state of one rule for one model, with the last window evaluated. */
export interface AlertStatus {
  readonly rule: string;
  readonly model: string;
  readonly state: AlertState;
  /** The model version of the last reading, when the metric source named one. */
  readonly version: number | undefined;
  /** The last reading's value and rows; undefined when the last window gave no verdict. */
  readonly lastValue: number | undefined;
  readonly lastRows: number | undefined;
  /** The last window evaluated: each window is evaluated once. */
  readonly window: MetricWindow;
  readonly updatedAt: Date;
}

/** One change of an alert's state. */
export interface AlertEvent {
  readonly id: number;
  readonly rule: string;
  readonly model: string;
  readonly version: number | undefined;
  readonly from: AlertStateKind;
  readonly to: AlertStateKind;
  readonly metric: MetricName;
  readonly feature: string | undefined;
  readonly op: 'above' | 'below';
  readonly severity: AlertSeverity;
  /** The value of the window that made the change. */
  readonly value: number | undefined;
  readonly threshold: number;
  /** The window whose verdict made the change. */
  readonly window: MetricWindow;
  /** The readings behind the change: for `firing`, the breaching windows that fired it. */
  readonly readings: readonly WindowReading[];
  /** When the change was recorded (the evaluator's clock). */
  readonly at: Date;
}

/**
 * What a notification or retraining trigger carries, frozen when the event is recorded: the body
 * of a webhook is made from it, so every retry sends the same bytes.
 */
export interface AlertNotice {
  readonly type: AlertNotificationType;
  readonly alert: {
    readonly rule: string;
    readonly model: string;
    readonly version: number | null;
    readonly state: AlertStateKind;
    readonly severity: AlertSeverity;
    readonly metric: MetricName;
    readonly feature?: string;
    readonly op: 'above' | 'below';
    readonly value: number | null;
    readonly threshold: number;
    readonly forWindows: number;
    readonly window: { readonly start: string; readonly end: string };
  };
  /** The readings behind the change (for a firing alert, those that fired it). */
  readonly readings: readonly {
    readonly window: { readonly start: string; readonly end: string };
    readonly value: number;
    readonly rows: number;
    readonly version?: number;
    readonly details?: Readonly<Record<string, unknown>>;
  }[];
  readonly at: string;
}

/** A delivery to enqueue with an event. */
export interface NewAlertDelivery {
  /** A UUID, sent as `x-ferry-delivery`. */
  readonly id: string;
  /** `webhook:<name>` or `retrain`. */
  readonly channel: string;
  readonly notice: AlertNotice;
}

/** One notification or retraining trigger and how its delivery is going. */
export interface AlertDelivery {
  readonly id: string;
  readonly eventId: number;
  readonly channel: string;
  readonly notice: AlertNotice;
  /** Delivery state: the jobs callback machine (pending, sending, delivered, failed). */
  readonly state: CallbackState;
  /** What the last attempt gave: `HTTP 204`, `exit code 0`, or why it failed. */
  readonly outcome: string | undefined;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** An event as an evaluation records it, with the deliveries it enqueues. */
export interface NewAlertEvent extends Omit<AlertEvent, 'id'> {
  readonly deliveries: readonly NewAlertDelivery[];
}
