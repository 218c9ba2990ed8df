import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { InstanceRow } from '../../queue/instance-registry.ts';
import type { ApiEnv } from '../context-variables.ts';
import { jsonResponse } from '../schemas/route-parts.ts';
import { commonErrors } from '../schemas/error-schemas.ts';

/** What the admin routes need of the running instance (services.ts wires it). */
export interface InstanceControl {
  /** This instance's name (KAGE_WORKER_NAME or its default). */
  name: string;
  /** Starts draining, as SIGTERM does; the process exits once drained. Idempotent. */
  drain(reason: string): void;
  list(): Promise<InstanceRow[]>;
}

const Instance = z
  .object({
    name: z.string(),
    startedAt: z.string().openapi({ format: 'date-time' }),
    draining: z.boolean(),
    attemptsRunning: z.number().int(),
    lastHeartbeatAt: z.string().openapi({ format: 'date-time', description: 'Written every 5 s; older than ~15 s means the instance is gone (crashed, or stopped without cleaning up)' }),
  })
  .openapi('Instance');

const drain = createRoute({

  operationId: 'drain',
  method: 'post',
  path: '/admin/drain',
  tags: ['Admin'],
  summary: 'Drain the instance that answers: take no new work, finish running attempts, then exit (as SIGTERM)',
  description:
    'From now on GET /health/ready answers 503 `draining` (a load balancer stops sending traffic), progress streams end with a `retry` hint, and the instance takes no more tasks or attempts. Running attempts, their verify and judge finish for up to KAGE_DRAIN_SECONDS; then what still runs is handed back to the queue and the process exits 0. Behind a load balancer this reaches whichever instance answers: call it on the instance itself.',
  ...needs('admin'),
  responses: {
    202: jsonResponse(z.object({ name: z.string(), draining: z.literal(true) }), 'Draining has started'),
    ...commonErrors,
  },
});

const listInstances = createRoute({

  operationId: 'listInstances',
  method: 'get',
  path: '/instances',
  tags: ['Admin'],
  summary: 'The service instances sharing this database',
  ...needs('admin'),
  responses: {
    200: jsonResponse(z.object({ items: z.array(Instance), self: z.string().openapi({ description: 'The name of the instance that answered' }) }), 'Each instance, oldest first'),
    ...commonErrors,
  },
});

export function registerAdminRoutes(app: OpenAPIHono<ApiEnv>, control: InstanceControl): void {
  app.openapi(drain, (c) => {
    control.drain(`POST /api/v1/admin/drain by key ${c.get('apiKeyId')}`);
    return c.json({ name: control.name, draining: true as const }, 202);
  });
  app.openapi(listInstances, async (c) => {
    const rows = await control.list();
    return c.json(
      {
        self: control.name,
        items: rows.map((row) => ({ ...row, startedAt: row.startedAt.toISOString(), lastHeartbeatAt: row.lastHeartbeatAt.toISOString() })),
      },
      200,
    );
  });
}
