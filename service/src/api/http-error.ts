import type { ContentfulStatusCode } from 'hono/utils/http-status';

/**
 * A refusal of the HTTP layer itself (no or a wrong API key, a body too large or not JSON, too
 * many requests), with its status and headers. Domain refusals are `Refusal`s; both become
 * `{"error": {"code", "message", "details"}}` in error-map.ts.
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
