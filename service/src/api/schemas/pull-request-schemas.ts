import { z } from '@hono/zod-openapi';
import { AgentLabel, BranchName } from './merge-schemas.ts';

export const PullRequestBody = z
  .strictObject({
    agent: AgentLabel.optional(),
    targetBranch: BranchName.optional().openapi({ description: 'Defaults to the branch the task started from' }),
    title: z.string().trim().min(1).max(250).optional().openapi({ description: "Defaults to the task description's first line" }),
    draft: z.boolean().default(false),
    allowUnverified: z.boolean().default(false).openapi({
      description: "Propose an attempt that did not pass the task's verify command; without it such a request answers 409 not_verified",
    }),
  })
  .openapi('PullRequestRequest');

export const PullRequest = z
  .object({
    url: z.string().openapi({ example: 'https://github.com/acme/app/pull/42' }),
    number: z.number().int(),
    agent: z.string(),
    branch: z.string(),
    targetBranch: z.string(),
    forge: z.enum(['github', 'gitlab', 'gitea']),
    created: z.boolean().openapi({ description: 'false: the pull request was open already and is returned as it is' }),
  })
  .openapi('PullRequest');
