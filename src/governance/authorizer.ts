/** Who is calling, as established by the authorizer. */
export interface Principal {
  readonly id: string;
}

/** What a management route does, checked by the authorizer. */
export type Action =
  | 'models:read'
  | 'models:write'
  | 'aliases:write'
  | 'versions:delete'
  | 'jobs:read'
  | 'jobs:write'
  // --- monitoring (src/monitoring): prediction log and feedback ---
  | 'predictions:read'
  | 'feedback:write'
  // --- alerts (src/monitoring/alerts): states, history and rules ---
  | 'alerts:read'
  | 'alerts:write';

/** The facts of a request the authorizer may look at. */
export interface AuthorizationRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/**
 * The one authorization hook every management route passes through. A later change adds API keys
 * and roles; the interface stays.
 */
export interface Authorizer {
  authorize(request: AuthorizationRequest, action: Action): Promise<Principal>;
}

const ACTOR_PATTERN = /^[\w.@+-]{1,128}$/;

/**
 * Allows every call (the server binds to 127.0.0.1 by default). The caller may name itself in the
 * `x-ferry-actor` header so alias moves record who made them; otherwise it is `anonymous`.
 */
export class AllowAllAuthorizer implements Authorizer {
  authorize(request: AuthorizationRequest): Promise<Principal> {
    return Promise.resolve({ id: claimedActor(request.headers) });
  }
}

/**
 * The caller a request names in its `x-ferry-actor` header (1–128 letters, digits, `_ . @ + -`),
 * else 'anonymous'. Used where no authorizer runs yet (the `/v2` routes record it as the caller of
 * logged predictions).
 */
export function claimedActor(headers: AuthorizationRequest['headers']): string {
  const claimed = headers['x-ferry-actor'];
  return typeof claimed === 'string' && ACTOR_PATTERN.test(claimed) ? claimed : 'anonymous';
}
