import type { Env, Hono } from 'hono';
import type { Db } from '../db/db.ts';
import type { Logger } from '../logger.ts';
import type { PoolStatus } from '../git/worktree-pool.ts';
import type { SandboxStatus } from '../sandbox/sandbox.ts';
import { API_VERSION } from './api-version.ts';

export interface HealthDeps {
  db: Db;
  logger: Logger;
  /** What /health says of the sandbox. */
  sandbox?: SandboxStatus | undefined;
  /** What /health says of the idle worktrees kept for warm starts. */
  worktreePool?: (() => PoolStatus) | undefined;
  /** Whether this instance is draining: GET /health/ready then answers 503. */
  draining: () => boolean;
}

/**
 * `/` (where things are), `/health` (alive: the database answers) and `/health/ready` (whether
 * a load balancer should send this instance traffic: 503 `draining` from the moment it starts
 * draining (SIGTERM, POST /api/v1/admin/drain), or when the database is unreachable).
 */
export function registerHealthRoutes<E extends Env>(app: Hono<E>, deps: HealthDeps): void {
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
