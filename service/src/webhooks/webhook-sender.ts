import { isIP } from 'node:net';
import { type PrivateTargets, refusedHost, refusedLiteralHost } from './webhook-address.ts';
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
  /** The target's address is not allowed: not sent, and not worth retrying. */
  refused?: boolean;
}

/**
 * One signed POST (Standard Webhooks headers). Redirects are not followed: a 3xx is a failed
 * attempt, so a receiver cannot bounce signed payloads elsewhere.
 */
export async function sendWebhook(
  request: WebhookRequest,
  signal: AbortSignal,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
  privateTargets: PrivateTargets = 'allow',
): Promise<SendOutcome> {
  const startedAt = new Date();
  // Checked at send time, by what the name resolves to now (a name can be repointed after
  // registration). A literal address needs no lookup, and no await before the request.
  const { hostname } = new URL(request.url);
  const refused = isIP(hostname.replace(/^\[(.*)\]$/, '$1'))
    ? refusedLiteralHost(hostname, privateTargets)
    : await refusedHost(hostname, privateTargets);
  if (refused) return { startedAt, durationMs: 0, status: null, retryAfterSeconds: undefined, error: `not sent: ${refused}`, refused: true };
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

/**
 * Says what kind of failure it was, without the address and port the network error names: the
 * delivery history is readable through the API, and must not map which ports answer.
 */
function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') return `no answer within ${timeoutMs / 1000} s`;
  if (error instanceof DOMException && error.name === 'AbortError') return 'aborted: service shutting down';
  const code = (error as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const kinds: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection reset',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
    UND_ERR_SOCKET: 'connection closed by the receiver',
  };
  return typeof code === 'string' && kinds[code] ? kinds[code] : 'request failed';
}
