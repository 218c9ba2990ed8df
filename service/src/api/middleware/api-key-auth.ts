import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import type { BrowserSessions } from '../../access/browser-sessions.ts';
import type { Principal } from '../../access/scopes.ts';
import { HttpError } from '../http-error.ts';
import type { KeyRing } from '../../access/key-ring.ts';
import { requireSameOrigin } from './same-origin.ts';

export type AuthVariables = {
  apiKeyId: string;
  principal: Principal;
  /** Whether the key (or session) of this request is still live: long streams ask again (revocation, expiry, logout). */
  stillValid: () => Promise<boolean>;
};

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
    const presented = presentedSecret(c);
    let principal: Principal | undefined;
    let stillValid: () => Promise<boolean>;
    if (presented !== undefined) {
      principal = await options.keys.bySecret(presented);
      if (!principal) throw unauthorized('Invalid API key');
      const keyId = principal.keyId;
      stillValid = async () => (await options.keys.byId(keyId)) !== undefined;
    } else if (options.sessions && getCookie(c, SESSION_COOKIE)) {
      const sessions = options.sessions;
      principal = await sessionPrincipal(c, sessions, options.keys);
      if (!principal) throw unauthorized('Your session has ended: log in again at /ui/login');
      requireSameOrigin(c, options.publicUrl);
      stillValid = async () => (await sessionPrincipal(c, sessions, options.keys)) !== undefined;
    } else {
      throw unauthorized('Missing API key: send it as X-API-Key or Authorization: Bearer');
    }
    c.set('apiKeyId', principal.keyId);
    c.set('principal', principal);
    c.set('stillValid', stillValid);
    await next();
  };
}

function unauthorized(message: string): HttpError {
  return new HttpError(401, 'unauthorized', message, undefined, { 'WWW-Authenticate': 'Bearer' });
}

/** The secret a client sent as `X-API-Key` or `Authorization: Bearer`, if any. */
export function presentedSecret(c: Context): string | undefined {
  return c.req.header('x-api-key') ?? /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
}

/** Who the request's session cookie stands for: undefined without one, or when it has ended. */
export async function sessionPrincipal(c: Context, sessions: BrowserSessions, keys: KeyRing): Promise<Principal | undefined> {
  const token = getCookie(c, SESSION_COOKIE);
  const id = token ? await sessions.keyOf(token) : undefined;
  return id === undefined ? undefined : await keys.byId(id);
}
