import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { PushAgain } from '../../tasks/push-again.ts';
import type { ApiEnv } from '../context-variables.ts';
import { commonErrors, conflictError, notFoundError } from '../schemas/error-schemas.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';
import { TaskIdParam } from '../schemas/task-schemas.ts';

const QueuedPush = z
  .object({
    agent: z.string().openapi({ description: 'The winning attempt', example: 'claude-1' }),
    branch: z.string().openapi({ example: 'kage/3f2a9c1e/claude-1' }),
    queued: z.boolean().openapi({ description: 'False when a push of this task was waiting or running already' }),
  })
  .openapi('QueuedPush');

const pushWinner = createRoute({
  operationId: 'pushWinner',
  method: 'post',
  path: '/tasks/{id}/push',
  tags: ['Merge'],
  summary: "Push the winner's branch to the task's remote again",
  description:
    "A URL task's winner is pushed when the task ends (`push: \"winner\"`), tried three times; `push.completed` says how it went. This queues the push again, for the instance whose mirror holds the branch. 409 for a local repository or a task without a winner.",
  ...needs('merge'),
  request: { params: TaskIdParam },
  responses: { 202: json(QueuedPush, 'The push is queued (or was already)'), ...commonErrors, ...notFoundError, ...conflictError },
});

export function registerPushRoutes(app: OpenAPIHono<ApiEnv>, pushes: PushAgain): void {
  app.openapi(pushWinner, async (c) => {
    const { agentLabel, ...push } = await pushes.request(c.req.valid('param').id);
    return c.json({ agent: agentLabel, ...push }, 202);
  });
}
