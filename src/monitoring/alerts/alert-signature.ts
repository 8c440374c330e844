import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature of an alert webhook or retraining manifest. */
export const SIGNATURE_HEADER = 'x-ferry-signature';

/**
 * The signature of a body: `sha256=` and the hex HMAC-SHA256 of the raw body bytes, keyed with the
 * webhook's secret (as GitHub signs its webhooks). Receivers compute the same over the bytes they
 * received and compare in constant time.
 */
export function signBody(secret: string, body: string | Uint8Array): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Does `signature` (a header value) sign `body` with `secret`? Constant-time. */
export function verifySignature(secret: string, body: string | Uint8Array, signature: string): boolean {
  const expected = Buffer.from(signBody(secret, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
