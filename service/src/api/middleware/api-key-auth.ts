import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../http-error.ts';

export type AuthVariables = { apiKeyId: string };

/** A stable, non-secret id for a key (its hash prefix): what tasks and logs record. */
export function apiKeyId(key: string): string {
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

/**
 * Accepts `X-API-Key: KEY` or `Authorization: Bearer KEY`. Keys are compared as SHA-256
 * digests with timingSafeEqual, so neither content nor length leaks through timing.
 */
export function apiKeyAuth(keys: readonly string[]): MiddlewareHandler<{ Variables: AuthVariables }> {
  const digests = keys.map((key) => ({ id: apiKeyId(key), digest: sha256(key) }));
  return async (c, next) => {
    const presented = c.req.header('x-api-key') ?? bearerToken(c.req.header('authorization'));
    if (!presented) {
      throw new HttpError(401, 'unauthorized', 'Missing API key: send it as X-API-Key or Authorization: Bearer', undefined, {
        'WWW-Authenticate': 'Bearer',
      });
    }
    const digest = sha256(presented);
    let match: string | undefined;
    for (const key of digests) if (timingSafeEqual(key.digest, digest)) match = key.id;
    if (!match) throw new HttpError(401, 'unauthorized', 'Invalid API key', undefined, { 'WWW-Authenticate': 'Bearer' });
    c.set('apiKeyId', match);
    await next();
  };
}

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(.+)$/i);
  return match?.[1]?.trim();
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
