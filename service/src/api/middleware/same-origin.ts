import type { Context } from 'hono';
import { HttpError } from '../http-error.ts';

const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses a state-changing request a browser sent from another origin. The session cookie is
 * SameSite=Strict, but sites are compared without ports: a page on another port of the same
 * host would still carry it. So a cookie-authenticated POST must also say it comes from one of
 * our own pages: its Origin is the service's (as the request reached it, or KAGE_PUBLIC_URL
 * behind a proxy), or, without an Origin, Sec-Fetch-Site says same-origin.
 */
export function requireSameOrigin(c: Context, publicUrl: string | undefined): void {
  if (safeMethods.has(c.req.method)) return;
  const origin = c.req.header('origin');
  const ours = new Set([new URL(c.req.url).origin]);
  if (publicUrl) ours.add(new URL(publicUrl).origin);
  if (origin !== undefined ? ours.has(origin) : c.req.header('sec-fetch-site') === 'same-origin') return;
  throw new HttpError(
    403,
    'cross_site_request',
    `Refused a ${c.req.method} from ${origin ?? 'an unknown origin'}: with a session cookie, changes must come from this service's own pages`,
    { origin: origin ?? null },
  );
}
