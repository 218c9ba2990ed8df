import type { Context } from 'hono';

/**
 * Whether a request reached the service over HTTPS: its own socket is TLS (KAGE_TLS_CERT), or a
 * proxy we were told to trust (KAGE_TRUST_PROXY) says so in X-Forwarded-Proto. Without that
 * setting the header is ignored: any client could send it.
 */
export function servedOverHttps(c: Context, trustProxy: boolean): boolean {
  if (c.req.url.startsWith('https:')) return true;
  if (!trustProxy) return false;
  // Several proxies append theirs: the first is the one the client spoke to.
  return c.req.header('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase() === 'https';
}
