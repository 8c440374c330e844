import { FerryError } from '../../core/index.js';
import type { FeedbackInput, FeedbackStore, StoreOutcome } from './feedback-store.js';

/** Most feedback items in one submission. */
export const MAX_FEEDBACK_ITEMS = 1000;

const MAX_REQUEST_ID_LENGTH = 256;
const MAX_LABEL_LENGTH = 1024;
const ITEM_KEYS: readonly string[] = ['request_id', 'label', 'value', 'at'];

/** One feedback item as the API takes it. */
export interface FeedbackItem {
  readonly request_id: string;
  /** The true class (classification). */
  readonly label?: string | number | boolean;
  /** The true value (regression). */
  readonly value?: number;
  /** When the outcome was observed (ISO-8601); defaults to when it is received. */
  readonly at?: string;
}

/** What happened to one item. */
export type FeedbackStatus = StoreOutcome | 'invalid';

/** The answer for one item, in the order given. */
export interface FeedbackResult {
  readonly request_id: string;
  readonly status: FeedbackStatus;
  /** Why an item was not stored. */
  readonly message?: string;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Check one item: the checked input, or the reason it is invalid. */
export function parseFeedbackItem(raw: unknown): { input: FeedbackInput } | { invalid: string } {
  if (!isObject(raw)) return { invalid: 'a feedback item must be a JSON object {request_id, label | value}' };
  const unknown = Object.keys(raw).filter((key) => !ITEM_KEYS.includes(key));
  if (unknown.length > 0) {
    return { invalid: `unknown key '${unknown[0]}'; a feedback item has request_id, label, value and at` };
  }
  const { request_id: requestId, label, value, at } = raw;
  if (typeof requestId !== 'string' || requestId === '' || requestId.length > MAX_REQUEST_ID_LENGTH) {
    return { invalid: `request_id must be a string of 1 to ${MAX_REQUEST_ID_LENGTH} characters` };
  }
  if (label === undefined && value === undefined) {
    return { invalid: 'give the true outcome as label (a class) or value (a number)' };
  }
  if (
    label !== undefined &&
    !(
      typeof label === 'boolean' ||
      (typeof label === 'number' && Number.isFinite(label)) ||
      typeof label === 'string'
    )
  ) {
    return { invalid: 'label must be a string, a finite number or a boolean' };
  }
  if (typeof label === 'string' && label.length > MAX_LABEL_LENGTH) {
    return { invalid: `label must be at most ${MAX_LABEL_LENGTH} characters` };
  }
  if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
    return { invalid: 'value must be a finite number' };
  }
  let observed: string | undefined;
  if (at !== undefined) {
    const time = typeof at === 'string' ? Date.parse(at) : Number.NaN;
    if (Number.isNaN(time)) return { invalid: 'at must be an ISO-8601 time, e.g. 2024-05-01T12:00:00Z' };
    observed = new Date(time).toISOString();
  }
  return {
    input: {
      requestId,
      ...(label === undefined ? {} : { label }),
      ...(value === undefined ? {} : { value }),
      ...(observed === undefined ? {} : { at: observed }),
    },
  };
}

/**
 * The items of a feedback body: `{request_id, …}` for one, `{items: [...]}` for up to
 * {@link MAX_FEEDBACK_ITEMS}. A body of neither shape is a 400 INVALID_ARGUMENT.
 */
export function feedbackItemsOf(body: unknown): unknown[] {
  if (isObject(body) && 'items' in body) {
    const { items } = body;
    if (Object.keys(body).length !== 1 || !Array.isArray(items)) {
      throw new FerryError('INVALID_ARGUMENT', 'a feedback batch is {"items": [...]} and nothing else');
    }
    if (items.length === 0)
      throw new FerryError('INVALID_ARGUMENT', 'items is empty; give at least one item');
    if (items.length > MAX_FEEDBACK_ITEMS) {
      throw new FerryError(
        'INVALID_ARGUMENT',
        `items has ${items.length} entries; send at most ${MAX_FEEDBACK_ITEMS} per call`,
      );
    }
    return items as unknown[];
  }
  if (isObject(body)) return [body];
  throw new FerryError(
    'INVALID_ARGUMENT',
    'the feedback body must be {"request_id", "label" | "value"} or {"items": [...]}',
  );
}

/**
 * Accepts feedback: checks each item, stores the valid ones whose request id names a logged
 * prediction (durably, before answering), and reports per item. Predictions still in the log's
 * buffer are written first when an id is not found (`flushPending`), so feedback sent right after
 * an inference finds its prediction on this replica.
 */
export class FeedbackService {
  constructor(
    private readonly store: FeedbackStore,
    private readonly flushPending?: () => Promise<void>,
  ) {}

  async submit(body: unknown): Promise<FeedbackResult[]> {
    const raws = feedbackItemsOf(body);
    const parsed = raws.map(parseFeedbackItem);
    const valid = parsed.flatMap((item) => ('input' in item ? [item.input] : []));
    let outcomes = valid.length === 0 ? [] : await this.store.store(valid);
    if (this.flushPending !== undefined && outcomes.includes('unknown_request')) {
      await this.flushPending();
      const unknown = valid.filter((_, index) => outcomes[index] === 'unknown_request');
      const retried = await this.store.store(unknown);
      let next = 0;
      outcomes = outcomes.map((outcome) => (outcome === 'unknown_request' ? retried[next++]! : outcome));
    }
    let next = 0;
    return parsed.map((item, index) => {
      if ('invalid' in item) {
        const raw = raws[index];
        const id = isObject(raw) && typeof raw.request_id === 'string' ? raw.request_id : '';
        return { request_id: id, status: 'invalid', message: item.invalid };
      }
      const status = outcomes[next++]!;
      return status === 'unknown_request'
        ? {
            request_id: item.input.requestId,
            status,
            message: `no logged prediction has request id '${item.input.requestId}' (a row of a multi-row request is '<id>#<row>'; unsampled predictions are not logged)`,
          }
        : { request_id: item.input.requestId, status };
    });
  }
}
