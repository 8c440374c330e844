import type { AlertRule } from './alert-rule.js';
import type { AlertStateKind } from './alert-state.js';
import type { AlertStore } from './alert-store.js';
import {
  eventView,
  ruleView,
  statusView,
  type AlertEventView,
  type AlertRuleView,
  type AlertStatusView,
} from './alert-view.js';

/** Filters of `GET /api/v1/alerts` and `ferry alerts list`. */
export interface AlertListQuery {
  readonly state?: AlertStateKind | undefined;
  readonly model?: string | undefined;
  readonly rule?: string | undefined;
}

/** Filters of `GET /api/v1/alerts/events` and `ferry alerts history`. */
export interface AlertHistoryQuery {
  readonly rule?: string | undefined;
  readonly model?: string | undefined;
  /** Most events returned (default 100, at most 1000). */
  readonly limit?: number | undefined;
}

/** The default and largest number of events a history call returns. */
export const DEFAULT_HISTORY_LIMIT = 100;
export const MAX_HISTORY_LIMIT = 1000;

/** Reads alerts for the API and the CLI: rules as configured, current states, history. */
export class AlertService {
  private readonly byName: ReadonlyMap<string, AlertRule>;

  constructor(
    private readonly store: AlertStore,
    private readonly configured: readonly AlertRule[],
  ) {
    this.byName = new Map(configured.map((rule) => [rule.name, rule]));
  }

  /** The configured rules. */
  rules(): AlertRuleView[] {
    return this.configured.map(ruleView);
  }

  /**
   * Current states of the configured rules, by rule then model. States of rules no longer in the
   * configuration stay in the database (and their history) but are not listed.
   */
  async list(query: AlertListQuery = {}): Promise<AlertStatusView[]> {
    const statuses = await this.store.listStatuses(query);
    return statuses.flatMap((status) => {
      const rule = this.byName.get(status.rule);
      return rule === undefined ? [] : [statusView(status, rule)];
    });
  }

  /** Changes of state, newest first, each with its deliveries. */
  async history(query: AlertHistoryQuery = {}): Promise<AlertEventView[]> {
    const limit = Math.min(MAX_HISTORY_LIMIT, query.limit ?? DEFAULT_HISTORY_LIMIT);
    const events = await this.store.listEvents({ rule: query.rule, model: query.model, limit });
    const deliveries = await this.store.deliveriesOf(events.map((event) => event.id));
    return events.map((event) =>
      eventView(
        event,
        deliveries.filter((delivery) => delivery.eventId === event.id),
      ),
    );
  }
}
