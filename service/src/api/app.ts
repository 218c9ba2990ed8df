import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { requestId } from 'hono/request-id';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import type { TaskService } from '../tasks/task-service.ts';
import type { AppEnv } from './app-env.ts';
import { registerDocsRoutes } from './docs-routes.ts';
import { HttpError } from './http-error.ts';
import { apiKeyAuth } from './middleware/api-key-auth.ts';
import { jsonBodyOnly } from './middleware/json-body.ts';
import { rateLimit } from './middleware/rate-limit.ts';
import { requestLog } from './middleware/request-log.ts';
import { registerTaskRoutes } from './routes/task-routes.ts';
import { isDatabaseUnavailable } from '../db/database-unavailable.ts';
import { validationError } from './validation-error.ts';

export const API_VERSION = '0.1.0';

export interface AppDeps {
  db: Db;
  logger: Logger;
  apiKeys: readonly string[];
  rateLimitPerMinute: number;
  tasks: TaskService;
  /** Route modules of other concerns (events, webhooks, merge, agents), registered under /api/v1. */
  routes?: ReadonlyArray<(api: OpenAPIHono<AppEnv>) => void>;
}

/** The whole HTTP surface: `/`, `/health`, `/openapi.json`, `/docs`, and the authenticated `/api/v1`. */
export function createApp(deps: AppDeps): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({ defaultHook: validationError });
  app.use(requestId());
  app.use(requestLog(deps.logger));

  app.get('/', (c) =>
    c.json({
      name: 'Kage Bunshin',
      description: 'Runs several AI coding agents on one task in parallel, scores the attempts and merges the best',
      version: API_VERSION,
      links: { health: '/health', openapi: '/openapi.json', docs: '/docs', api: '/api/v1' },
    }),
  );
  app.get('/health', async (c) => {
    try {
      await deps.db.query('SELECT 1');
      return c.json({ status: 'ok', database: deps.db.kind });
    } catch (error) {
      deps.logger.error({ err: error }, 'health check: database unreachable');
      return c.json({ status: 'unavailable', database: deps.db.kind, error: 'database unreachable' }, 503);
    }
  });

  const api = new OpenAPIHono<AppEnv>({ defaultHook: validationError });
  api.use(apiKeyAuth(deps.apiKeys));
  api.use(rateLimit(deps.rateLimitPerMinute));
  api.use(jsonBodyOnly());
  registerTaskRoutes(api, deps.tasks);
  for (const register of deps.routes ?? []) register(api);
  app.route('/api/v1', api);

  app.openAPIRegistry.registerComponent('securitySchemes', 'ApiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'Bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: { title: 'Kage Bunshin API', version: API_VERSION, description: 'Shadow clones for coding agents, as a service' },
    servers: [{ url: '/' }],
  });
  registerDocsRoutes(app);

  app.notFound((c) => c.json({ error: { code: 'not_found', message: `No route ${c.req.method} ${c.req.path}` } }, 404));
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      return c.json({ error: { code: error.code, message: error.message, details: error.details } }, error.status, error.headers);
    }
    if (error instanceof HTTPException) {
      const code = error.status === 400 ? 'invalid_json' : 'http_error';
      return c.json({ error: { code, message: error.message || 'Bad request' } }, error.status);
    }
    if (isDatabaseUnavailable(error)) {
      deps.logger.warn({ err: error, requestId: c.get('requestId'), path: c.req.path }, 'database unavailable');
      return c.json(
        { error: { code: 'database_unavailable', message: 'The database is unavailable; retry shortly', details: { requestId: c.get('requestId') } } },
        503,
        { 'Retry-After': '5' },
      );
    }
    deps.logger.error({ err: error, requestId: c.get('requestId'), path: c.req.path }, 'unhandled error');
    return c.json({ error: { code: 'internal_error', message: 'Internal error; see the service log', details: { requestId: c.get('requestId') } } }, 500);
  });
  return app;
}
