import type { MiddlewareHandler } from 'hono';
import { servedOverHttps } from '../request-protocol.ts';

// A year, as browsers' preload lists ask; no includeSubDomains: other services may live on sibling hosts.
const HSTS = 'max-age=31536000';

/** Strict-Transport-Security on every answer given over HTTPS, so browsers never fall back to plain HTTP. */
export function strictTransport(trustProxy: boolean): MiddlewareHandler {
  return async (c, next) => {
    await next();
    if (servedOverHttps(c, trustProxy)) c.header('Strict-Transport-Security', HSTS);
  };
}
