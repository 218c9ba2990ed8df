import type { MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';

/**
 * KAGE_CORS_ORIGINS: pages on these exact origins may call the API with an API key. Never with
 * credentials: the key travels in a header the page sets, and the review pages' session cookie
 * stays same-origin only (a credentialed cross-origin call would carry it). Preflights are
 * answered here, before authentication, since browsers send them without the key.
 */
export function corsForOrigins(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins);
  return cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    credentials: false,
    allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowHeaders: ['X-API-Key', 'Authorization', 'Content-Type', 'Idempotency-Key', 'Last-Event-ID', 'traceparent', 'tracestate'],
    exposeHeaders: ['X-Request-Id', 'Retry-After', 'Location'],
    maxAge: 600,
  });
}
