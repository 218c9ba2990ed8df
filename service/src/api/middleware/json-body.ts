import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HttpError } from '../http-error.ts';
import { unstorableText } from './storable-text.ts';

export const MAX_BODY_BYTES = 1024 * 1024;
/** Arrays and objects nested deeper than this are refused: walking them (here, in zod) would exhaust the stack. */
export const MAX_JSON_DEPTH = 64;

/**
 * Bodies must be JSON (415 otherwise), at most 1 MB (413), nested at most 64 deep (400), and hold
 * only text the database can store (400 naming the field). Empty bodies pass.
 */
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
    // A body-less POST (curl -X POST, say) may come without a length and without a type.
    if (type === '' && c.req.header('content-length') === undefined && c.req.header('transfer-encoding') === undefined) return next();
    if (!/^application\/(.+\+)?json\s*(;|$)/i.test(type)) {
      throw new HttpError(415, 'unsupported_media_type', `Content-Type must be application/json, got ${type ? `"${type}"` : 'none'}`);
    }
    return limit(c, async () => {
      // Counted on the text, before anything parses or walks it.
      if (nestsDeeperThan(await c.req.text(), MAX_JSON_DEPTH)) {
        throw new HttpError(400, 'json_too_deep', `Request body nests arrays and objects more than ${MAX_JSON_DEPTH} deep`, { maxDepth: MAX_JSON_DEPTH });
      }
      const body: unknown = await c.req.json().catch(() => undefined);
      const field = unstorableText(body, '');
      if (field !== undefined) {
        throw new HttpError(400, 'invalid_text', `${field || '(body)'}: contains a NUL character or a lone surrogate, which cannot be stored`, {
          field: field || '(body)',
        });
      }
      await next();
    });
  };
}

/** Whether `[` and `{` nest deeper than `limit` in JSON text (brackets inside strings do not count). */
function nestsDeeperThan(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 0x5c) i += 1; // backslash: skip the escaped character
      else if (char === 0x22) inString = false;
    } else if (char === 0x22) {
      inString = true;
    } else if (char === 0x5b || char === 0x7b) {
      depth += 1;
      if (depth > limit) return true;
    } else if (char === 0x5d || char === 0x7d) {
      depth -= 1;
    }
  }
  return false;
}
