import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../http-error.ts';
import type { AuthVariables } from './api-key-auth.ts';

/**
 * Fixed one-minute window per API key, per instance. Enough to stop a runaway workflow loop;
 * not a billing-grade limiter.
 */
export function rateLimit(perMinute: number): MiddlewareHandler<{ Variables: AuthVariables }> {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    const now = Date.now();
    const key = c.get('apiKeyId');
    let window = windows.get(key);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count > perMinute) {
      const retryAfter = Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000));
      throw new HttpError(429, 'rate_limited', `More than ${perMinute} requests this minute for this API key`, undefined, {
        'Retry-After': String(retryAfter),
      });
    }
    await next();
  };
}
