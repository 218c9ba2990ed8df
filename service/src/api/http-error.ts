import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * An error with an HTTP status and a machine-readable code; the app turns it into
 * `{"error": {"code", "message", "details"}}`. Anything else that escapes a handler is a bug.
 */
export class HttpError extends Error {
  readonly status: ContentfulStatusCode;
  readonly code: string;
  readonly details: unknown;
  readonly headers: Record<string, string>;

  constructor(status: ContentfulStatusCode, code: string, message: string, details?: unknown, headers: Record<string, string> = {}) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.details = details;
    this.headers = headers;
  }
}

export const notFound = (what: string, id: string) => new HttpError(404, 'not_found', `${what} ${id} does not exist`);
export const conflict = (code: string, message: string, details?: unknown) => new HttpError(409, code, message, details);
export const badRequest = (code: string, message: string, details?: unknown) => new HttpError(400, code, message, details);
