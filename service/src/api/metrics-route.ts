import type { Env, Hono } from 'hono';
import { allows } from '../access/scopes.ts';
import { sameHash, secretHash } from '../access/secret-hash.ts';
import type { ServiceMetrics } from '../metrics/service-metrics.ts';
import { HttpError } from './http-error.ts';
import type { KeyRing } from '../access/key-ring.ts';
import { presentedSecret } from './middleware/api-key-auth.ts';

/**
 * GET /metrics, for Prometheus: with `Authorization: Bearer KAGE_METRICS_TOKEN` (what a scraper
 * is given), or an API key (X-API-Key or Bearer) that has the `metrics` scope.
 */
export function registerMetricsRoute<E extends Env>(app: Hono<E>, metrics: ServiceMetrics, keys: KeyRing, metricsToken: string | undefined): void {
  const tokenHash = metricsToken ? secretHash(metricsToken) : undefined;
  app.get('/metrics', async (c) => {
    const presented = presentedSecret(c);
    if (!presented) throw new HttpError(401, 'unauthorized', 'Send KAGE_METRICS_TOKEN as Authorization: Bearer, or an API key with the metrics scope', undefined, { 'WWW-Authenticate': 'Bearer' });
    if (!(tokenHash && sameHash(tokenHash, secretHash(presented)))) {
      const principal = await keys.bySecret(presented);
      if (!principal) throw new HttpError(401, 'unauthorized', 'Invalid metrics token or API key', undefined, { 'WWW-Authenticate': 'Bearer' });
      if (!allows(principal, 'metrics')) {
        throw new HttpError(403, 'missing_scope', `This API key (${principal.name}) lacks the scope metrics, which GET /metrics needs`, { scope: 'metrics', held: principal.scopes });
      }
    }
    return c.body(await metrics.scrape(), 200, { 'Content-Type': metrics.registry.contentType });
  });
}
