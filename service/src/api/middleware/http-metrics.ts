import type { MiddlewareHandler } from 'hono';
import type { ServiceMetrics } from '../../metrics/service-metrics.ts';

/** Counts and times every request by its route pattern (`/api/v1/tasks/:id`, not the id: bounded labels). */
export function httpMetrics(metrics: ServiceMetrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      const labels = { method: c.req.method, route: c.req.routePath, status: String(c.res.status) };
      metrics.httpRequests.inc(labels);
      metrics.httpDuration.observe(labels, (performance.now() - started) / 1000);
    }
  };
}
