import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isFerryError } from '../core/index.js';
import {
  checkCallbackUrl,
  guardedLookup,
  REFUSED_ADDRESS_CODE,
  type CallbackUrlPolicy,
} from './callback-url-guard.js';

/**
 * One delivery of a JSON body to a URL: a job's final JSON to its callback URL, or an alert
 * notification to a webhook (src/monitoring/alerts reuses this sender).
 */
export interface CallbackDelivery {
  readonly url: string;
  /** The job whose callback this is, sent as `x-ferry-job-id`; absent for other deliveries. */
  readonly jobId?: string | undefined;
  /** 1 for the first delivery of this callback, 2 for the first retry, … */
  readonly attempt: number;
  /** The JSON body (for a job, the job as `GET /api/v1/jobs/{id}` shows it). */
  readonly body: string;
  /**
   * More headers to send (an alert webhook's signature, event and delivery id). They cannot
   * replace the sender's own `content-type`, `content-length` and `user-agent`.
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
}

/** How a delivery went: delivered on a 2xx answer; otherwise why, and whether trying again may help. */
export type DeliveryOutcome =
  | { readonly ok: true; readonly status: number }
  | {
      readonly ok: false;
      readonly error: string;
      readonly retryable: boolean;
      /** The receiver's HTTP status, when it answered. */
      readonly status?: number | undefined;
    };

/** Sends callbacks (a strategy, so workers can be tested without a network). */
export interface CallbackSender {
  send(delivery: CallbackDelivery, signal?: AbortSignal): Promise<DeliveryOutcome>;
}

/** Settings of the HTTP callback sender. */
export interface HttpCallbackSenderOptions extends CallbackUrlPolicy {
  /** How long one delivery may take, connection included (`jobs.callbackTimeoutMs`). */
  readonly timeoutMs: number;
  /** The `user-agent` header, e.g. `ferry/0.1.0`. */
  readonly userAgent: string;
  /** The setting a timeout message names (default `jobs.callbackTimeoutMs`). */
  readonly timeoutSetting?: string | undefined;
}

/** Read at most this much of a receiver's answer (it is only drained, never used). */
const MAX_ANSWER_BYTES = 64 * 1024;

/**
 * POSTs callbacks with Node's http and https clients. The URL is checked again before each
 * delivery, and the connection resolves host names through `guardedLookup`, so a host name that
 * resolves to a refused address is never connected to. Redirects are not followed: a 3xx answer
 * counts as a failed delivery.
 */
export class HttpCallbackSender implements CallbackSender {
  constructor(private readonly options: HttpCallbackSenderOptions) {}

  async send(delivery: CallbackDelivery, signal?: AbortSignal): Promise<DeliveryOutcome> {
    let url: URL;
    try {
      url = checkCallbackUrl(delivery.url, this.options);
    } catch (error) {
      return { ok: false, error: isFerryError(error) ? error.message : String(error), retryable: false };
    }
    const timeout = AbortSignal.timeout(this.options.timeoutMs);
    const abort = signal === undefined ? timeout : AbortSignal.any([signal, timeout]);
    try {
      const status = await this.post(url, delivery, abort);
      if (status >= 200 && status < 300) return { ok: true, status };
      return { ok: false, error: `the receiver answered HTTP ${status}`, retryable: true, status };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === REFUSED_ADDRESS_CODE)
        return { ok: false, error: (error as Error).message, retryable: false };
      if (timeout.aborted) {
        return {
          ok: false,
          error: `no answer within ${this.options.timeoutMs} ms (${this.options.timeoutSetting ?? 'jobs.callbackTimeoutMs'})`,
          retryable: true,
        };
      }
      const reason = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        error: `delivery failed: ${code === undefined ? reason : `${code} ${reason}`}`,
        retryable: true,
      };
    }
  }

  private post(url: URL, delivery: CallbackDelivery, signal: AbortSignal): Promise<number> {
    const body = Buffer.from(delivery.body);
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const outgoing = request(
        url,
        {
          method: 'POST',
          signal,
          // A fresh connection per delivery: nothing is pooled towards hosts users choose.
          agent: false,
          lookup: guardedLookup(this.options),
          headers: {
            ...delivery.headers,
            'content-type': 'application/json',
            'content-length': String(body.length),
            'user-agent': this.options.userAgent,
            ...(delivery.jobId === undefined ? {} : { 'x-ferry-job-id': delivery.jobId }),
            'x-ferry-callback-attempt': String(delivery.attempt),
          },
        },
        (response: IncomingMessage) => {
          let read = 0;
          response.on('data', (chunk: Buffer) => {
            read += chunk.length;
            if (read > MAX_ANSWER_BYTES) response.destroy();
          });
          response.on('close', () => resolve(response.statusCode ?? 0));
          response.on('error', () => resolve(response.statusCode ?? 0));
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }
}
