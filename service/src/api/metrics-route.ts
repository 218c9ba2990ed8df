import { createHash, timingSafeEqual } from 'node:crypto';
import type { Env, Hono } from 'hono';
import { allows } from '../access/scopes.ts';
import type { ServiceMetrics } from '../metrics/service-metrics.ts';
import { HttpError } from './http-error.ts';
import type { KeyRing } from './key-ring.ts';

/**
 * GET /metrics, for Prometheus: with `Authorization: Bearer KAGE_METRICS_TOKEN` (what a scraper
 * is given), or an API key (X-API-Key or Bearer) that has the `metrics` scope.
 */
export function registerMetricsRoute<E extends Env>(app: Hono<E>, metrics: ServiceMetrics, keys: KeyRing, metricsToken: string | undefined): void {
  const tokenDigest = metricsToken ? sha256(metricsToken) : undefined;
  app.get('/metrics', async (c) => {
    const presented = c.req.header('x-api-key') ?? /^Bearer\s+(.+)$/i.exec(c.req.header('authorization') ?? '')?.[1]?.trim();
    if (!presented) throw new HttpError(401, 'unauthorized', 'Send KAGE_METRICS_TOKEN as Authorization: Bearer, or an API key with the metrics scope', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (!(tokenDigest && timingSafeEqual(tokenDigest, sha256(presented)))) {
      const principal = await keys.bySecret(presented);
      if (!principal) throw new HttpError(401, 'unauthorized', 'Invalid metrics token or API key', undefined, { 'WWW-Authenticate': 'Bearer' });
      if (!allows(principal, 'metrics')) {
        throw new HttpError(403, 'missing_scope', `This API key (${principal.name}) lacks the scope metrics, which GET /metrics needs`, { scope: 'metrics', held: principal.scopes });
      }
    }
    return c.body(await metrics.registry.metrics(), 200, { 'Content-Type': metrics.registry.contentType });
  });
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
