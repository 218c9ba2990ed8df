import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import { ATTEMPT_LABEL_PATTERN } from '../../git/attempt-branch.ts';
import type { FollowUps } from '../../tasks/follow-ups.ts';
import type { TaskService } from '../../tasks/task-service.ts';
import type { ApiEnv } from '../context-variables.ts';
import { bodyErrors, commonErrors, conflictError, notFoundError } from '../schemas/error-schemas.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';
import { TaskIdParam } from '../schemas/task-schemas.ts';
import { Task } from '../schemas/task-view-schemas.ts';
import { presentTask } from '../task-presenter.ts';

export const FollowUpParams = TaskIdParam.extend({
  label: z.string().regex(ATTEMPT_LABEL_PATTERN, 'must be an attempt label such as claude-1').openapi({ param: { name: 'label', in: 'path' }, example: 'claude-1' }),
});

export const FollowUpBody = z
  .strictObject({
    prompt: z.string().trim().min(1).max(100_000).openapi({ example: 'Also handle an empty email address' }),
  })
  .openapi('FollowUp');

const followUp = createRoute({

  operationId: 'followUp',
  method: 'post',
  path: '/tasks/{id}/attempts/{label}/follow-up',
  tags: ['Tasks'],
  summary: 'Continue a finished attempt with a follow-up prompt',
  description:
    "The task runs again for this attempt: its worktree made again from its branch, its agent's session resumed where the CLI can (else a new run told the task and the follow-up), a new commit on its branch, verify, and a new ranking. 409 while the task runs, after a merge, or when the attempt was discarded.",
  ...needs('tasks:write'),
  request: { params: FollowUpParams, body: { content: { 'application/json': { schema: FollowUpBody } }, required: true } },
  responses: { 202: json(Task, 'The follow-up is queued; the task is running again'), ...commonErrors, ...bodyErrors, ...notFoundError, ...conflictError },
});

export interface FollowUpRouteDeps {
  followUps: FollowUps;
  tasks: TaskService;
  publicUrl: string;
}

export function registerFollowUpRoutes(app: OpenAPIHono<ApiEnv>, { followUps, tasks, publicUrl }: FollowUpRouteDeps): void {
  app.openapi(followUp, async (c) => {
    const { id, label } = c.req.valid('param');
    await followUps.start(id, label, c.req.valid('json').prompt);
    const { task, runs } = await tasks.get(id);
    return c.json(presentTask(task, runs, publicUrl), 202);
  });
}
