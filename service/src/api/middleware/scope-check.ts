import type { MiddlewareHandler } from 'hono';
import { allows } from '../../access/scopes.ts';
import { HttpError } from '../http-error.ts';
import { scopeFor } from '../route-scopes.ts';
import type { AuthVariables } from './api-key-auth.ts';

/** 403 naming the missing scope when the caller's key lacks what the route needs (route-scopes.ts). */
export function scopeCheck(prefix: string): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const needed = scopeFor(c.req.method, c.req.path.slice(prefix.length) || '/');
    const principal = c.get('principal');
    if (!allows(principal, needed)) {
      throw new HttpError(403, 'missing_scope', `This API key (${principal.name}) lacks the scope ${needed}, which ${c.req.method} ${c.req.path} needs`, {
        scope: needed,
        held: principal.scopes,
      });
    }
    await next();
  };
}
