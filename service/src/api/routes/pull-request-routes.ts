import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { PullRequestService } from '../../pull-requests/pull-request-service.ts';
import type { ApiEnv } from '../context-variables.ts';
import { bodyErrors, commonErrors, conflictError, notFoundError } from '../schemas/error-schemas.ts';
import { PullRequest, PullRequestBody } from '../schemas/pull-request-schemas.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';
import { TaskIdParam } from '../schemas/task-schemas.ts';

const openPullRequest = createRoute({

  operationId: 'openPullRequest',
  method: 'post',
  path: '/tasks/{id}/pull-request',
  tags: ['Merge'],
  summary: "Open a pull request (GitLab: merge request) with an attempt's branch",
  description: 'Pushes the branch if needed. Calling again returns the open pull request instead of opening another.',
  ...needs('merge'),
  request: { params: TaskIdParam, body: { required: false, content: { 'application/json': { schema: PullRequestBody } } } },
  responses: {
    201: json(PullRequest, 'Opened'),
    200: json(PullRequest, 'Open already'),
    ...commonErrors,
    ...notFoundError,
    ...conflictError,
    ...bodyErrors,
  },
});

export function registerPullRequestRoutes(app: OpenAPIHono<ApiEnv>, pullRequests: PullRequestService): void {
  app.openapi(openPullRequest, async (c) => {
    const body = PullRequestBody.parse(c.req.valid('json') ?? {});
    const { pullRequest, created } = await pullRequests.open(c.req.valid('param').id, body);
    const { agentLabel, ...rest } = pullRequest;
    return c.json({ ...rest, agent: agentLabel, forge: pullRequest.forge as 'github' | 'gitlab' | 'gitea', created }, created ? 201 : 200);
  });
}
