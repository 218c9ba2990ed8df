import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { MergeService } from '../../merge/merge-service.ts';
import type { ApiEnv } from '../context-variables.ts';
import { presentMerge } from '../merge-presenter.ts';
import { bodyErrors, commonErrors, conflictError, notFoundError } from '../schemas/error-schemas.ts';
import { AgentLabel, BranchName, ConflictCheck, Diff, DiscardResult, MergeBody, MergeOutcomeBody, MergeResult } from '../schemas/merge-schemas.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';
import { TaskIdParam } from '../schemas/task-schemas.ts';

const errors = { ...commonErrors, ...notFoundError, ...conflictError };

const checkConflicts = createRoute({

  operationId: 'checkConflicts',
  method: 'get',
  path: '/tasks/{id}/conflicts',
  tags: ['Merge'],
  summary: "Whether an attempt merges cleanly into the target (no working tree touched)",
  ...needs('tasks:read'),
  request: { params: TaskIdParam, query: z.object({ agent: AgentLabel.optional(), target: BranchName.optional() }) },
  responses: { 200: json(ConflictCheck, 'The conflict check'), ...errors },
});

const mergeTask = createRoute({

  operationId: 'mergeTask',
  method: 'post',
  path: '/tasks/{id}/merge',
  tags: ['Merge'],
  summary: "Merge an attempt into the target branch",
  ...needs('merge'),
  request: { params: TaskIdParam, body: { required: false, content: { 'application/json': { schema: MergeBody } } } },
  responses: {
    200: json(MergeOutcomeBody, 'Merged, or (manual) the merge attempt is on the review branch'),
    ...errors,
    ...bodyErrors,
  },
});

const listMerges = createRoute({

  operationId: 'listMerges',
  method: 'get',
  path: '/tasks/{id}/merges',
  tags: ['Merge'],
  summary: 'Every merge asked of the task, oldest first',
  ...needs('tasks:read'),
  request: { params: TaskIdParam },
  responses: { 200: json(z.object({ items: z.array(MergeResult) }), 'The merge history'), ...commonErrors, ...notFoundError },
});

const getDiff = createRoute({

  operationId: 'getDiff',
  method: 'get',
  path: '/tasks/{id}/diff',
  tags: ['Merge'],
  summary: "An attempt's unified diff against the task's base commit, with stats",
  ...needs('tasks:read'),
  request: { params: TaskIdParam, query: z.object({ agent: AgentLabel.optional() }) },
  responses: { 200: json(Diff, 'The diff'), ...errors },
});

const discardTask = createRoute({

  operationId: 'discardTask',
  method: 'post',
  path: '/tasks/{id}/discard',
  tags: ['Merge'],
  summary: "Remove the task's worktrees and branches",
  ...needs('merge'),
  request: { params: TaskIdParam },
  responses: { 200: json(DiscardResult, 'What was removed'), ...errors },
});

export function registerMergeRoutes(app: OpenAPIHono<ApiEnv>, merges: MergeService): void {
  app.openapi(checkConflicts, async (c) => {
    const query = c.req.valid('query');
    return c.json(await merges.conflicts(c.req.valid('param').id, query), 200);
  });

  app.openapi(mergeTask, async (c) => {
    // The body is optional: without one, the defaults (winner, auto, task's branch) apply.
    const body = MergeBody.parse(c.req.valid('json') ?? {});
    const { record, outcome, branches } = await merges.merge(c.req.valid('param').id, body);
    return c.json(
      {
        ...presentMerge(record),
        squash: body.squash,
        alreadyUpToDate: outcome.status === 'merged' && outcome.alreadyUpToDate,
        previousTargetCommit: outcome.status === 'merged' ? outcome.previousTargetCommit : null,
        updatedCheckouts: outcome.status === 'merged' ? outcome.updatedCheckouts : [],
        ...branches,
      },
      200,
    );
  });

  app.openapi(listMerges, async (c) => {
    const records = await merges.history(c.req.valid('param').id);
    return c.json({ items: records.map(presentMerge) }, 200);
  });

  app.openapi(getDiff, async (c) => {
    const query = c.req.valid('query');
    return c.json(await merges.diff(c.req.valid('param').id, query), 200);
  });

  app.openapi(discardTask, async (c) => c.json(await merges.discard(c.req.valid('param').id), 200));
}
