import { OpenAPIHono } from '@hono/zod-openapi';
import { requestId } from 'hono/request-id';
import type { Db } from '../db/db.ts';
import { TaskRepository } from '../db/task-repository.ts';
import type { Logger } from '../logger.ts';
import type { TaskService } from '../tasks/task-service.ts';
import type { ApiEnv } from './context-variables.ts';
import { registerDocsRoutes } from './docs-routes.ts';
import { errorResponse } from './error-map.ts';
import { KeyRing } from './key-ring.ts';
import { apiKeyAuth } from './middleware/api-key-auth.ts';
import type { ApiKeyStore } from '../access/api-key-store.ts';
import type { BrowserSessions } from '../access/browser-sessions.ts';
import type { ServiceMetrics } from '../metrics/service-metrics.ts';
import { registerMetricsRoute } from './metrics-route.ts';
import { httpMetrics } from './middleware/http-metrics.ts';
import { scopeCheck } from './middleware/scope-check.ts';
import { taskVisibility } from './middleware/task-visibility.ts';
import { jsonBodyOnly } from './middleware/json-body.ts';
import { authFailureLimit, rateLimit } from './middleware/rate-limit.ts';
import { requestLog } from './middleware/request-log.ts';
import { requestTrace } from './middleware/request-trace.ts';
import { registerTaskRoutes } from './routes/task-routes.ts';
import type { SandboxStatus } from '../sandbox/sandbox.ts';
import type { PoolStatus } from '../git/worktree-pool.ts';
import { validationError } from './validation-error.ts';
import { corsForOrigins } from './middleware/cors.ts';
import { strictTransport } from './middleware/strict-transport.ts';
import { registerReadinessRoute } from './routes/readiness-route.ts';

export const API_VERSION = '0.1.0';
const API_PREFIX = '/api/v1';

export interface AppDeps {
  db: Db;
  logger: Logger;
  apiKeys: readonly string[];
  rateLimitPerMinute: number;
  tasks: TaskService;
  /** What /health says of the sandbox (the services always give it). */
  sandbox?: SandboxStatus | undefined;
  /** What /health says of the idle worktrees kept for warm starts. */
  worktreePool?: (() => PoolStatus) | undefined;
  /** Route modules of other concerns (events, webhooks, merge, agents), registered under /api/v1. */
  routes?: ReadonlyArray<(api: OpenAPIHono<ApiEnv>) => void>;
  /** API keys made through the API, besides `apiKeys` (which hold every scope). */
  keyStore?: ApiKeyStore | undefined;
  /** The review pages' sessions: with them, /api/v1 also accepts the session cookie. */
  sessions?: BrowserSessions | undefined;
  /** KAGE_PUBLIC_URL: where people reach the service (review links); its origin counts as our own for cookie-authenticated changes. */
  publicUrl?: string | undefined;
  /** With it, GET /metrics serves it (for KAGE_METRICS_TOKEN or a key with the metrics scope). */
  metrics?: ServiceMetrics | undefined;
  metricsToken?: string | undefined;
  /** Pages outside the API (the review pages under /ui), registered on the root app. */
  pages?: (app: OpenAPIHono<ApiEnv>, keys: KeyRing) => void;
  /** KAGE_CORS_ORIGINS: origins whose pages may call /api/v1 with a key. */
  corsOrigins?: readonly string[] | undefined;
  /** KAGE_TRUST_PROXY: X-Forwarded-Proto counts (HSTS, Secure cookies). */
  trustProxy?: boolean | undefined;
  /** Whether this instance is draining: GET /health/ready then answers 503. */
  draining?: (() => boolean) | undefined;
}

/** The whole HTTP surface: `/`, `/health`, `/openapi.json`, `/docs`, and the authenticated `/api/v1`. */
export function createApp(deps: AppDeps): OpenAPIHono<ApiEnv> {
  const app = new OpenAPIHono<ApiEnv>({ defaultHook: validationError });
  app.use(requestTrace());
  app.use(requestId());
  app.use(requestLog(deps.logger));
  app.use(strictTransport(deps.trustProxy ?? false));
  if (deps.metrics) app.use(httpMetrics(deps.metrics));

  app.get('/', (c) =>
    c.json({
      name: 'Kage Bunshin',
      description: 'Runs several AI coding agents on one task in parallel, scores the attempts and merges the best',
      version: API_VERSION,
      links: { health: '/health', openapi: '/openapi.json', docs: '/docs', api: '/api/v1', review: '/ui' },
    }),
  );
  app.get('/health', async (c) => {
    try {
      await deps.db.query('SELECT 1');
      return c.json({ status: 'ok', database: deps.db.kind, sandbox: deps.sandbox, worktreePool: deps.worktreePool?.() });
    } catch (error) {
      deps.logger.error({ err: error }, 'health check: database unreachable');
      return c.json({ status: 'unavailable', database: deps.db.kind, sandbox: deps.sandbox, error: 'database unreachable' }, 503);
    }
  });
  registerReadinessRoute(app, { db: deps.db, logger: deps.logger, draining: deps.draining ?? (() => false) });

  // Before authentication: browsers send preflights without the key.
  if (deps.corsOrigins?.length) app.use(`${API_PREFIX}/*`, corsForOrigins(deps.corsOrigins));
  const keys = new KeyRing(deps.apiKeys, deps.keyStore);
  const api = new OpenAPIHono<ApiEnv>({ defaultHook: validationError });
  api.use(authFailureLimit(keys));
  api.use(apiKeyAuth({ keys, sessions: deps.sessions, publicUrl: deps.publicUrl }));
  api.use(rateLimit(deps.rateLimitPerMinute));
  api.use(scopeCheck(API_PREFIX));
  api.use(taskVisibility(API_PREFIX, new TaskRepository(deps.db)));
  api.use(jsonBodyOnly());
  registerTaskRoutes(api, deps.tasks, deps.publicUrl ?? '');
  for (const register of deps.routes ?? []) register(api);
  app.route(API_PREFIX, api);

  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Kage Bunshin API', version: API_VERSION, description: 'Shadow clones for coding agents, as a service', license: { name: 'MIT', url: 'https://opensource.org/license/mit' } },
    servers: [{ url: '/' }],
  });
  registerDocsRoutes(app);
  deps.pages?.(app, keys);
  if (deps.metrics) {
    app.use('/metrics', authFailureLimit(keys));
    registerMetricsRoute(app, deps.metrics, keys, deps.metricsToken);
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
