import type { MiddlewareHandler } from 'hono';
import { allows, type Principal, type Scope } from '../../access/scopes.ts';
import { HttpError } from '../http-error.ts';
import { scopeOfRequest } from '../route-access.ts';
import type { AuthVariables } from './api-key-auth.ts';

/** 403 naming the missing scope when the caller's key lacks what the route declared it needs (route-access.ts). */
export function scopeCheck(): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    requireScope(c.get('principal'), scopeOfRequest(c), `${c.req.method} ${c.req.path}`);
    await next();
  };
}

/** Throws the 403 when `principal` lacks `scope`, which `what` (a route, or a part of a request) needs. */
export function requireScope(principal: Principal, scope: Scope, what: string): void {
  if (!allows(principal, scope)) {
    throw new HttpError(403, 'missing_scope', `This API key (${principal.name}) lacks the scope ${scope}, which ${what} needs`, { scope, held: principal.scopes });
  }
}
