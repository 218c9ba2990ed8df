import { Agent as HttpAgent, type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type PrivateTargets, pinnedLookup, RefusedAddressError, type Resolver, refusedLiteralHost } from './webhook-address.ts';
import { signWebhook } from './webhook-secret.ts';
import { parseRetryAfter } from './retry-policy.ts';
import { currentTraceparent } from '../tracing/trace-context.ts';

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
 * attempt, so a receiver cannot bounce signed payloads elsewhere. The host is checked by the
 * address policy, a name by every address it resolves to, and the connection goes only to an
 * address so checked (no second lookup between the check and the connection). `resolve` is for tests.
 */
export async function sendWebhook(
  request: WebhookRequest,
  signal: AbortSignal,
  timeoutMs = WEBHOOK_TIMEOUT_MS,
  privateTargets: PrivateTargets = 'allow',
  resolve?: Resolver,
): Promise<SendOutcome> {
  const startedAt = new Date();
  const elapsed = () => Date.now() - startedAt.getTime();
  const notSent = (reason: string): SendOutcome => ({ startedAt, durationMs: elapsed(), status: null, retryAfterSeconds: undefined, error: `not sent: ${reason}`, refused: true });
  const url = new URL(request.url);
  const literal = refusedLiteralHost(url.hostname, privateTargets);
  if (literal) return notSent(literal);
  const timestamp = Math.floor(startedAt.getTime() / 1000);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'kage-bunshin-webhooks/1',
    'webhook-id': request.messageId,
    'webhook-timestamp': String(timestamp),
  };
  if (request.secret) headers['webhook-signature'] = signWebhook(request.secret, request.messageId, timestamp, request.body);
  // Tracing on: the receiver (n8n, a traced endpoint) can continue the trace of this delivery.
  const traceparent = currentTraceparent();
  if (traceparent) headers.traceparent = traceparent;
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const response = await post(url, headers, request.body, AbortSignal.any([signal, timeout]), privateTargets, resolve);
    const ok = response.status >= 200 && response.status < 300;
    return {
      startedAt,
      durationMs: elapsed(),
      status: response.status,
      retryAfterSeconds: parseRetryAfter(single(response.headers['retry-after'])),
      error: ok ? null : describeStatus(response.status, single(response.headers.location)),
    };
  } catch (error) {
    if (error instanceof RefusedAddressError) return notSent(error.message);
    const why = timeout.aborted ? `no answer within ${timeoutMs / 1000} s` : signal.aborted ? 'aborted: service shutting down' : describeFailure(error);
    return { startedAt, durationMs: elapsed(), status: null, retryAfterSeconds: undefined, error: why };
  }
}

// Kept-alive connections, one pool per address policy: a socket is reused only under the policy that checked its address.
const pools = new Map<PrivateTargets, { 'http:': HttpAgent; 'https:': HttpsAgent }>();

function pool(privateTargets: PrivateTargets) {
  let found = pools.get(privateTargets);
  if (!found) pools.set(privateTargets, (found = { 'http:': new HttpAgent({ keepAlive: true }), 'https:': new HttpsAgent({ keepAlive: true }) }));
  return found;
}

/** POSTs `body` and settles at the response's headers; the body is read and dropped (up to 64 KB, then the connection is closed). */
function post(url: URL, headers: Record<string, string>, body: string, signal: AbortSignal, privateTargets: PrivateTargets, resolve: Resolver | undefined) {
  return new Promise<{ status: number; headers: IncomingHttpHeaders }>((settle, fail) => {
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'POST',
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
      signal,
      lookup: pinnedLookup(privateTargets, resolve),
      // An injected resolver (tests) gets connections of its own, never a pooled one.
      agent: resolve ? false : pool(privateTargets)[url.protocol as 'http:' | 'https:'],
    });
    req.on('error', fail);
    req.on('response', (res) => {
      let size = 0;
      res.on('error', () => {});
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > 64 * 1024) res.destroy();
      });
      res.resume();
      settle({ status: res.statusCode ?? 0, headers: res.headers });
    });
    req.end(body);
  });
}

function single(value: string | string[] | undefined): string | null {
  return (Array.isArray(value) ? value[0] : value) ?? null;
}

function describeStatus(status: number, location: string | null): string {
  if (status >= 300 && status < 400) return `redirect ${status} to ${location ?? '(no location)'} not followed`;
  return `receiver answered ${status}`;
}

/**
 * Says what kind of failure it was, without the address and port the network error names: the
 * delivery history is readable through the API, and must not map which ports answer.
 */
function describeFailure(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  const kinds: Record<string, string> = {
    ECONNREFUSED: 'connection refused',
    ECONNRESET: 'connection closed by the receiver',
    ENOTFOUND: 'host name not found',
    EAI_AGAIN: 'host name lookup failed',
    EHOSTUNREACH: 'host unreachable',
    ENETUNREACH: 'network unreachable',
    ETIMEDOUT: 'connection timed out',
  };
  return typeof code === 'string' && kinds[code] ? kinds[code] : 'request failed';
}
