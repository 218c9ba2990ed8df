import { signWebhook } from './webhook-secret.ts';
import { parseRetryAfter } from './retry-policy.ts';

export const WEBHOOK_TIMEOUT_MS = 15_000;

export interface WebhookRequest {
  url: string;
  /** `webhook-id`: the delivery id, the same on every retry so receivers can deduplicate. */
  messageId: string;
  body: string;
  /** Null sends the request unsigned (no secret configured anywhere). */
  secret: string | null;
}

export interface SendOutcome {
  startedAt: Date;
  durationMs: number;
  /** HTTP status, or null when no response arrived (refused, timed out, aborted). */
  status: number | null;
  retryAfterSeconds: number | undefined;
  error: string | null;
}

/**
 * One signed POST (Standard Webhooks headers). Redirects are not followed: a 3xx is a failed
 * attempt, so a receiver cannot bounce signed payloads elsewhere.
 */
export async function sendWebhook(request: WebhookRequest, signal: AbortSignal, timeoutMs = WEBHOOK_TIMEOUT_MS): Promise<SendOutcome> {
  const startedAt = new Date();
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'kage-bunshin-webhooks/1',
    'webhook-id': request.messageId,
    'webhook-timestamp': String(timestamp),
  };
  if (request.secret) headers['webhook-signature'] = signWebhook(request.secret, request.messageId, timestamp, request.body);
  const elapsed = () => Date.now() - startedAt.getTime();
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers,
      body: request.body,
      redirect: 'manual',
      signal: AbortSignal.any([signal, AbortSignal.timeout(timeoutMs)]),
    });
    // Drain nothing: the body is irrelevant, and cancelling frees the connection.
    await response.body?.cancel().catch(() => {});
    const ok = response.status >= 200 && response.status < 300;
    return {
      startedAt,
      durationMs: elapsed(),
      status: response.status,
      retryAfterSeconds: parseRetryAfter(response.headers.get('retry-after')),
      error: ok ? null : describeStatus(response.status, response.headers.get('location')),
    };
  } catch (error) {
    return { startedAt, durationMs: elapsed(), status: null, retryAfterSeconds: undefined, error: describeFailure(error, timeoutMs) };
  }
}

function describeStatus(status: number, location: string | null): string {
  if (status >= 300 && status < 400) return `redirect ${status} to ${location ?? '(no location)'} not followed`;
  return `receiver answered ${status}`;
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (error instanceof DOMException && error.name === 'AbortError') return 'aborted: service shutting down';
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
  return `${error instanceof Error ? error.message : String(error)}${cause}`;
}
