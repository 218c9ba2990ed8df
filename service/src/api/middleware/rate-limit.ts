import type { Context, MiddlewareHandler } from 'hono';
import { ipv6Bytes } from '../../net-address.ts';
import { HttpError } from '../http-error.ts';
import type { KeyRing } from '../../access/key-ring.ts';
import { type AuthVariables, presentedSecret } from './api-key-auth.ts';

/**
 * Fixed one-minute window per API key, per instance. Enough to stop a runaway workflow loop;
 * not a billing-grade limiter.
 */
export function rateLimit(perMinute: number): MiddlewareHandler<{ Variables: AuthVariables }> {
  const windows = new Map<string, { start: number; count: number }>();
  return async (c, next) => {
    const now = Date.now();
    const key = c.get('apiKeyId');
    let window = windows.get(key);
    if (!window || now - window.start >= 60_000) {
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count += 1;
    if (window.count > perMinute) {
      const retryAfter = Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000));
      throw new HttpError(429, 'rate_limited', `More than ${perMinute} requests this minute for this API key`, undefined, {
        'Retry-After': String(retryAfter),
      });
    }
    await next();
  };
}

/** Failed authentications one client address may make per window before it is locked out. */
export const AUTH_FAILURES_PER_MINUTE = 30;

/**
 * Failed authentications (a wrong API key or metrics token, a wrong key in the login form), counted
 * per client address in a fixed one-minute window. Past the limit the address gets 429 for every
 * authenticated request until the window ends, a right key included: answering a right key
 * normally would tell a guesser which guess was right. Successes neither count nor reset the count
 * (a holder of one key could otherwise reset it between guesses at another).
 */
export class AuthFailures {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private readonly perMinute: number;
  private readonly now: () => number;

  constructor(perMinute = AUTH_FAILURES_PER_MINUTE, now: () => number = Date.now) {
    this.perMinute = perMinute;
    this.now = now;
  }

  /** Seconds until `address` may try again, or undefined when it is not locked out. */
  lockedFor(address: string): number | undefined {
    const window = this.windows.get(clientGroup(address));
    const now = this.now();
    if (!window || now - window.start >= 60_000 || window.count < this.perMinute) return undefined;
    return Math.max(1, Math.ceil((window.start + 60_000 - now) / 1000));
  }

  /** Throws the API's 429 when `address` is locked out. */
  check(address: string): void {
    const retryAfter = this.lockedFor(address);
    if (retryAfter === undefined) return;
    throw new HttpError(429, 'too_many_failed_authentications', `Too many failed authentications from this address; try again in ${retryAfter} s`, undefined, {
      'Retry-After': String(retryAfter),
    });
  }

  failed(address: string): void {
    const group = clientGroup(address);
    const now = this.now();
    let window = this.windows.get(group);
    if (!window || now - window.start >= 60_000) {
      if (this.windows.size >= 10_000) this.forgetEnded(now);
      window = { start: now, count: 0 };
      this.windows.set(group, window);
    }
    window.count += 1;
  }

  private forgetEnded(now: number): void {
    for (const [group, window] of this.windows) if (now - window.start >= 60_000) this.windows.delete(group);
  }
}

// One count per key ring: the API, /metrics and the login form check secrets against the same
// keys, so a guesser's failures in any of them add up.
const failuresByKeyRing = new WeakMap<KeyRing, AuthFailures>();

export function authFailuresOf(keys: KeyRing): AuthFailures {
  let failures = failuresByKeyRing.get(keys);
  if (!failures) failuresByKeyRing.set(keys, (failures = new AuthFailures()));
  return failures;
}

/**
 * The client's address as the socket has it (no X-Forwarded-For: nothing here says which proxy
 * to trust); a socket that no longer knows it counts as one address of its own. Undefined for a
 * request that came through no socket at all (`app.request`, in-process): no network client, no limit.
 */
export function clientAddress(c: Context): string | undefined {
  const incoming = (c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined)?.incoming;
  if (!incoming) return undefined;
  return incoming.socket?.remoteAddress ?? 'unknown';
}

/** An IPv6 client counts by its /64 (one host usually holds a whole /64); an IPv4-mapped one by its IPv4 address. */
function clientGroup(address: string): string {
  const bytes = ipv6Bytes(address);
  if (!bytes) return address;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return mapped;
  return `${Buffer.from(bytes.slice(0, 8)).toString('hex')}/64`;
}

/**
 * Before authentication: an address locked out by failed authentications gets 429 at once; after
 * it, a 401 to a request that presented a secret counts as a failure of its address.
 */
export function authFailureLimit(keys: KeyRing): MiddlewareHandler {
  const failures = authFailuresOf(keys);
  return async (c, next) => {
    const address = clientAddress(c);
    if (address === undefined) return next();
    failures.check(address);
    await next();
    if (c.res.status === 401 && presentedSecret(c) !== undefined) failures.failed(address);
  };
}
