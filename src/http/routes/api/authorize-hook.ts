import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Action, Authorizer, Principal } from '../../../governance/index.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** What the route does, for the authorizer. Every management route declares one. */
    action?: Action;
  }
}

/** Every management route passes through this one hook; a route without an action is refused. */
export function registerAuthorizeHook(app: FastifyInstance, authorizer: Authorizer): void {
  app.addHook('onRequest', async (request: FastifyRequest) => {
    const action = request.routeOptions.config.action;
    if (action === undefined)
      throw new Error(`route ${request.routeOptions.url ?? request.url} declares no action`);
    request.principal = await authorizer.authorize(
      { method: request.method, url: request.url, headers: request.headers },
      action,
    );
  });
}

/** The caller's id as recorded in alias events and version records. */
export const actorOf = (request: FastifyRequest): string => request.principal?.id ?? 'anonymous';
