import type { MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { BrowserSessions } from '../../access/browser-sessions.ts';
import type { Principal } from '../../access/scopes.ts';
import { HttpError } from '../http-error.ts';
import type { KeyRing } from '../key-ring.ts';
import { requireSameOrigin } from './same-origin.ts';

export type AuthVariables = { apiKeyId: string; principal: Principal };

/** The cookie the review pages' session lives in (HttpOnly: page scripts never see it). */
export const SESSION_COOKIE = 'kage_session';

export interface AuthOptions {
  keys: KeyRing;
  /** Without it, only keys are accepted. */
  sessions?: BrowserSessions | undefined;
  publicUrl?: string | undefined;
}

/**
 * Accepts `X-API-Key: KEY`, `Authorization: Bearer KEY`, or the review pages' session cookie;
 * a cookie-authenticated change must come from our own pages (same-origin.ts).
 */
export function apiKeyAuth(options: AuthOptions): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const presented = c.req.header('x-api-key') ?? bearerToken(c.req.header('authorization'));
    const sessionToken = presented === undefined && options.sessions ? getCookie(c, SESSION_COOKIE) : undefined;
    let principal: Principal | undefined;
    if (presented !== undefined) {
      principal = await options.keys.bySecret(presented);
      if (!principal) throw unauthorized('Invalid API key');
    } else if (sessionToken && options.sessions) {
      const id = await options.sessions.keyOf(sessionToken);
      principal = id === undefined ? undefined : await options.keys.byId(id);
      if (!principal) throw unauthorized('Your session has ended: log in again at /ui/login');
      requireSameOrigin(c, options.publicUrl);
    } else {
      throw unauthorized('Missing API key: send it as X-API-Key or Authorization: Bearer');
    }
    c.set('apiKeyId', principal.keyId);
    c.set('principal', principal);
    await next();
  };
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}
