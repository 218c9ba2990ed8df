import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import { readsAllTasks } from '../../access/scopes.ts';
import type { TaskService } from '../../tasks/task-service.ts';
import type { ApiEnv } from '../context-variables.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';
import { bodyErrors, commonErrors, conflictError, notFoundError } from '../schemas/error-schemas.ts';
import { ListTasksQuery, SubmitTaskBody, TaskIdParam } from '../schemas/task-schemas.ts';
import { Task, TaskList, TaskStats } from '../schemas/task-view-schemas.ts';
import { presentTask } from '../task-presenter.ts';
import { requireScope } from '../middleware/scope-check.ts';


const submitTask = createRoute({


  operationId: 'submitTask',
  method: 'post',
  path: '/tasks',
  tags: ['Tasks'],
  summary: 'Submit a task to several agents at once',
  ...needs('tasks:write'),
  request: {
    headers: z.object({
      'idempotency-key': z.string().min(1).max(200).optional().openapi({ description: 'The same key returns the same task' }),
    }),
    body: { required: true, content: { 'application/json': { schema: SubmitTaskBody } } },
  },
  responses: {
    202: json(Task, 'Task accepted and queued'),
    200: json(Task, 'The task an earlier request with the same Idempotency-Key created'),
    ...commonErrors,
    ...conflictError,
    ...bodyErrors,
  },
});

const listTasks = createRoute({

  operationId: 'listTasks',
  method: 'get',
  path: '/tasks',
  tags: ['Tasks'],
  summary: 'List tasks, newest first',
  ...needs('tasks:read'),
  request: { query: ListTasksQuery },
  responses: { 200: json(TaskList, 'A page of tasks'), ...commonErrors },
});

const taskStats = createRoute({

  operationId: 'getTaskStats',
  method: 'get',
  path: '/tasks/stats',
  tags: ['Tasks'],
  summary: 'Counts by status, running agents, total cost, mean duration',
  ...needs('tasks:read-all'),
  responses: { 200: json(TaskStats, 'Statistics'), ...commonErrors },
});

const getTask = createRoute({

  operationId: 'getTask',
  method: 'get',
  path: '/tasks/{id}',
  tags: ['Tasks'],
  summary: 'A task with every attempt, its score and the winner',
  ...needs('tasks:read'),
  request: { params: TaskIdParam },
  responses: { 200: json(Task, 'The task'), ...commonErrors, ...notFoundError },
});

const cancelTask = createRoute({

  operationId: 'cancelTask',
  method: 'delete',
  path: '/tasks/{id}',
  tags: ['Tasks'],
  summary: 'Cancel a task: stops every agent process',
  ...needs('tasks:write'),
  request: { params: TaskIdParam },
  responses: { 202: json(Task, 'Cancellation requested (or done, for a pending task)'), ...commonErrors, ...notFoundError, ...conflictError },
});

export interface TaskRouteDeps {
  tasks: TaskService;
  /** KAGE_PUBLIC_URL, for the review links in answers ('' without one). */
  publicUrl: string;
}

export function registerTaskRoutes(app: OpenAPIHono<ApiEnv>, { tasks, publicUrl }: TaskRouteDeps): void {
  app.openapi(submitTask, async (c) => {
    const body = c.req.valid('json');
    const principal = c.get('principal');
    // A body part with a scope of its own: callbacks are webhooks.
    if (body.callbacks.length > 0) requireScope(principal, 'webhooks', 'registering callbacks');
    const { task, runs, created } = await tasks.submit(body, principal, c.req.valid('header')['idempotency-key']);
    if (!created) c.header('Idempotent-Replayed', 'true');
    c.header('Location', `/api/v1/tasks/${task.id}`);
    return c.json(presentTask(task, runs, publicUrl), created ? 202 : 200);
  });

  app.openapi(listTasks, async (c) => {
    const query = c.req.valid('query');
    const principal = c.get('principal');
    const { items, total } = await tasks.list({ ...query, createdBy: readsAllTasks(principal) ? undefined : principal.keyId });
    return c.json({ items: items.map(({ task, runs }) => presentTask(task, runs, publicUrl)), total, page: query.page, pageSize: query.pageSize }, 200);
  });

  app.openapi(taskStats, async (c) => {
    const stats = await tasks.stats();
    return c.json(stats, 200);
  });

  app.openapi(getTask, async (c) => {
    const { task, runs } = await tasks.get(c.req.valid('param').id);
    return c.json(presentTask(task, runs, publicUrl), 200);
  });

  app.openapi(cancelTask, async (c) => {
    const { task, runs } = await tasks.cancel(c.req.valid('param').id);
    return c.json(presentTask(task, runs, publicUrl), 202);
  });
}
