import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { HTTPException } from 'hono/http-exception';
import { isDatabaseUnavailable } from '../db/database-unavailable.ts';
import { Refusal, type RefusalKind } from '../refusal.ts';
import { HttpError } from './http-error.ts';

/** The one place a refusal's kind becomes an HTTP status. */
const statusOfKind: Record<RefusalKind, ContentfulStatusCode> = {
  invalid: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  gone: 410,
};

export interface ErrorResponse {
  status: ContentfulStatusCode;
  body: { error: { code: string; message: string; details?: unknown } };
  headers: Record<string, string>;
  /** Not a refusal: a bug (log it as an error) or an outage (log it as a warning). */
  unexpected?: 'bug' | 'outage';
}

/**
 * What the API answers for an error that escaped a handler: a domain refusal or an HTTP-level
 * one (auth, body size, rate) with its code; a database outage as 503 with Retry-After;
 * anything else as a 500 that names only the request id.
 */
export function errorResponse(error: unknown, requestId: string): ErrorResponse {
  if (error instanceof Refusal) {
    return { status: statusOfKind[error.kind], body: { error: { code: error.code, message: error.message, details: error.details } }, headers: {} };
  }
  if (error instanceof HttpError) {
    return { status: error.status, body: { error: { code: error.code, message: error.message, details: error.details } }, headers: error.headers };
  }
  if (error instanceof HTTPException) {
    const code = error.status === 400 ? 'invalid_json' : 'http_error';
    return { status: error.status, body: { error: { code, message: error.message || 'Bad request' } }, headers: {} };
  }
  if (isDatabaseUnavailable(error)) {
    return {
      status: 503,
      body: { error: { code: 'database_unavailable', message: 'The database is unavailable; retry shortly', details: { requestId } } },
      headers: { 'Retry-After': '5' },
      unexpected: 'outage',
    };
  }
  return {
    status: 500,
    body: { error: { code: 'internal_error', message: 'Internal error; see the service log', details: { requestId } } },
    headers: {},
    unexpected: 'bug',
  };
}
