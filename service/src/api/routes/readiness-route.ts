import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Db } from '../../db/db.ts';
import type { Logger } from '../../logger.ts';
import type { ApiEnv } from '../context-variables.ts';

/**
 * GET /health/ready: whether a load balancer should send this instance traffic. 503 `draining`
 * from the moment it starts draining (SIGTERM, POST /api/v1/admin/drain), or when the database
 * is unreachable. GET /health keeps meaning "alive".
 */
export function registerReadinessRoute(app: OpenAPIHono<ApiEnv>, deps: { db: Db; logger: Logger; draining: () => boolean }): void {
  app.get('/health/ready', async (c) => {
    if (deps.draining()) return c.json({ status: 'draining' }, 503);
    try {
      await deps.db.query('SELECT 1');
      return c.json({ status: 'ready' });
    } catch (error) {
      deps.logger.error({ err: error }, 'readiness check: database unreachable');
      return c.json({ status: 'unavailable', error: 'database unreachable' }, 503);
    }
  });
}
