/**
 * The HTTP root: everything the service serves, side by side. Root-wide middleware (trace, id,
 * log, HSTS, metrics), then `/` and `/health`, the API under /api/v1 (api/api-app.ts), its
 * OpenAPI document and docs, the review pages (/ui), MCP (/mcp) and /metrics; one 404 and one
 * error answer for all of them (api/error-map.ts).
 */
import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { BrowserSessions } from './access/browser-sessions.ts';
import type { KeyRing } from './access/key-ring.ts';
import { API_PREFIX, type ApiDeps, createApi } from './api/api-app.ts';
import { API_VERSION } from './api/api-version.ts';
import type { ApiEnv } from './api/context-variables.ts';
import { registerDocsRoutes } from './api/docs-routes.ts';
import { errorResponse } from './api/error-map.ts';
import { type HealthDeps, registerHealthRoutes } from './api/health-routes.ts';
import { registerMetricsRoute } from './api/metrics-route.ts';
import { corsForOrigins } from './api/middleware/cors.ts';
import { httpMetrics } from './api/middleware/http-metrics.ts';
import { authFailureLimit } from './api/middleware/rate-limit.ts';
import { requestLog } from './api/middleware/request-log.ts';
import { requestTrace } from './api/middleware/request-trace.ts';
import { strictTransport } from './api/middleware/strict-transport.ts';
import { validationError } from './api/validation-error.ts';
import type { Logger } from './logger.ts';
import { registerMcpRoute } from './mcp/mcp-route.ts';
import type { ServiceMetrics } from './metrics/service-metrics.ts';
import { registerReviewPages } from './web/review-pages.ts';

export interface HttpRootDeps extends HealthDeps {
  logger: Logger;
  keys: KeyRing;
  sessions: BrowserSessions;
  /** The API's own settings and routes. */
  api: Omit<ApiDeps, 'keys' | 'sessions' | 'publicUrl'>;
  /** KAGE_PUBLIC_URL: where people reach the service (review links, the same-origin rule). */
  publicUrl: string;
  /** KAGE_CORS_ORIGINS: origins whose pages may call /api/v1 with a key. */
  corsOrigins?: readonly string[] | undefined;
  /** KAGE_TRUST_PROXY: X-Forwarded-Proto counts (HSTS, Secure cookies). */
  trustProxy?: boolean | undefined;
  /** With it, GET /metrics serves it (for KAGE_METRICS_TOKEN or a key with the metrics scope). */
  metrics?: ServiceMetrics | undefined;
  metricsToken?: string | undefined;
}

export function createHttpRoot(deps: HttpRootDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationError });
  app.use(requestTrace());
  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(strictTransport(deps.trustProxy ?? false));
  if (deps.metrics) app.use(httpMetrics(deps.metrics));

  registerHealthRoutes(app, deps);
  // Before authentication: browsers send preflights without the key.
  if (deps.corsOrigins?.length) app.use(`${API_PREFIX}/*`, corsForOrigins(deps.corsOrigins));
  app.route(API_PREFIX, createApi({ ...deps.api, keys: deps.keys, sessions: deps.sessions, publicUrl: deps.publicUrl }));

  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Kage Bunshin API', version: API_VERSION, description: 'Shadow clones for coding agents, as a service', license: { name: 'MIT', url: 'https://opensource.org/license/mit' } },
    servers: [{ url: '/' }],
  });
  registerDocsRoutes(app);
  registerReviewPages(app, deps.keys, { sessions: deps.sessions, publicUrl: deps.publicUrl, trustProxy: deps.trustProxy });
  registerMcpRoute(app, deps.keys, { rateLimitPerMinute: deps.api.rateLimitPerMinute });
  if (deps.metrics) {
    app.use('/metrics', authFailureLimit(deps.keys));
    registerMetricsRoute(app, deps.metrics, deps.keys, deps.metricsToken);
  }

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    const response = errorResponse(error, c.get('requestId'));
    const context = { err: error, requestId: c.get('requestId'), path: c.req.path };
    if (response.unexpected === 'bug') deps.logger.error(context, 'unhandled error');
    if (response.unexpected === 'outage') deps.logger.warn(context, 'database unavailable');
    return c.json(response.body, response.status, response.headers);
  });
  return app;
}
