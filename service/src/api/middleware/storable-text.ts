/**
 * Text PostgreSQL cannot store — a NUL character, or broken UTF-16 (a lone surrogate) — is
 * refused where it comes in, with a 400 naming where it was, rather than failing a query later
 * with a 500: in a JSON body (json-body.ts) and in the query string (here).
 */
import type { MiddlewareHandler } from 'hono';
import { HttpError } from '../http-error.ts';

const isUnstorable = (text: string) => text.includes('\0') || !text.isWellFormed();

/** The path of the first string (or key) in a parsed JSON value that cannot be stored; '' for the value itself. */
export function unstorableText(value: unknown, path: string): string | undefined {
  if (typeof value === 'string') return isUnstorable(value) ? path : undefined;
  if (value === null || typeof value !== 'object') return undefined;
  for (const [key, item] of Object.entries(value)) {
    const itemPath = path ? `${path}.${key}` : key;
    if (isUnstorable(key)) return itemPath;
    const found = unstorableText(item, itemPath);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Every query parameter's name and values must be storable text (400 `invalid_text` naming the parameter). */
export function storableQuery(): MiddlewareHandler {
  return async (c, next) => {
    for (const [name, values] of Object.entries(c.req.queries())) {
      if (isUnstorable(name) || values.some(isUnstorable)) {
        throw new HttpError(400, 'invalid_text', `query parameter ${JSON.stringify(name)}: contains a NUL character or a lone surrogate, which cannot be stored`, { field: name });
      }
    }
    await next();
  };
}
