import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from '../http-error.ts';

export const MAX_BODY_BYTES = 1024 * 1024;

/** Bodies must be JSON (415 otherwise) and at most 1 MB (413). Empty bodies pass. */
export function jsonBodyOnly(): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new HttpError(413, 'body_too_large', `Request body exceeds ${MAX_BODY_BYTES} bytes`);
    },
  });
  return async (c, next) => {
    if (!['POST', 'PUT', 'PATCH'].includes(c.req.method)) return next();
    if (c.req.raw.body === null || c.req.header('content-length') === '0') return next();
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
      throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/json, got ${type ? `"${type}"` : 'none'}`);
    }
    return limit(c, next);
  };
}
