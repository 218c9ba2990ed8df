import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { RefNotFoundError } from '../../git/repository.ts';
import {
  BranchCheckedOutError,
  BranchNotFoundError,
  DirtyCheckoutError,
  FilesInTheWayError,
  MergeConflictError,
  TargetMovedError,
  UnrelatedHistoriesError,
} from '../../merge/merge-errors.ts';
import { mergeStrategies } from '../../merge/merge-executor.ts';
import type { MergeRecord } from '../../merge/merge-repository.ts';
import type { MergeService } from '../../merge/merge-service.ts';
import type { AppEnv } from '../app-env.ts';
import { HttpError } from '../http-error.ts';
import { jsonResponse as json, security } from '../route-helpers.ts';
import { bodyErrors, commonErrors, conflictError, notFoundError } from '../schemas/error-schemas.ts';
import { TaskIdParam } from '../schemas/task-schemas.ts';

// Never starting with '-', so neither can become a git option; git checks the rest.
const AgentLabel = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be an attempt label such as claude-1, or best')
  .openapi({ description: "An attempt's label, or `best` for the winner (the default)", example: 'best' });
const BranchName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/, 'must be a branch name')
  .openapi({ example: 'main' });

const Conflict = z.object({ path: z.string(), kind: z.string().openapi({ example: 'content' }), message: z.string() }).openapi('MergeConflict');

const ConflictCheck = z
  .object({
    taskId: z.uuid(),
    agent: z.string(),
    sourceBranch: z.string(),
    targetBranch: z.string(),
    sourceCommit: z.string(),
    targetCommit: z.string(),
    clean: z.boolean(),
    alreadyMerged: z.boolean(),
    conflicts: z.array(Conflict),
  })
  .openapi('ConflictCheck');

export const MergeBody = z
  .strictObject({
    agent: AgentLabel.optional(),
    strategy: z.enum(mergeStrategies).default('auto').openapi({
      description: 'auto: merge when clean, else 409; theirs: conflicts settled for the attempt; manual: merge attempt on a review branch, target untouched',
    }),
    targetBranch: BranchName.optional().openapi({ description: 'Defaults to the branch the task started from' }),
    message: z.string().trim().min(1).max(10_000).optional(),
    squash: z.boolean().default(false),
    force: z.boolean().default(false).openapi({ description: 'Merge an attempt whose agent did not succeed' }),
  })
  .openapi('MergeRequest');

const MergeResult = z
  .object({
    id: z.uuid(),
    taskId: z.uuid(),
    agent: z.string(),
    strategy: z.enum(mergeStrategies),
    status: z.enum(['merged', 'manual', 'conflicts']),
    targetBranch: z.string(),
    commit: z.string().nullable().openapi({ description: 'The target\'s new head (merged) or the review branch\'s commit (manual)' }),
    reviewBranch: z.string().nullable(),
    conflicts: z.array(Conflict),
    createdAt: z.string(),
  })
  .openapi('MergeResult');

const MergeOutcomeBody = MergeResult.extend({
  squash: z.boolean(),
  alreadyUpToDate: z.boolean(),
  previousTargetCommit: z.string().nullable(),
  updatedCheckouts: z.array(z.string()).openapi({ description: 'Checkouts of the target whose files were updated' }),
}).openapi('MergeOutcome');

const FileStat = z.object({ path: z.string(), insertions: z.number().int(), deletions: z.number().int(), binary: z.boolean() });
const Diff = z
  .object({
    taskId: z.uuid(),
    agent: z.string(),
    branch: z.string(),
    baseCommit: z.string(),
    headCommit: z.string(),
    patch: z.string().openapi({ description: 'Unified diff against the base commit (cut at 8 M characters, 512 K per file)' }),
    stats: z.object({ files: z.array(FileStat), insertions: z.number().int(), deletions: z.number().int() }),
    truncated: z.boolean().openapi({ description: 'The patch was cut; stats still cover every file' }),
    truncatedFiles: z.array(z.string()),
  })
  .openapi('AttemptDiff');

const DiscardResult = z
  .object({ taskId: z.uuid(), removedWorktrees: z.array(z.string()), deletedBranches: z.array(z.string()) })
  .openapi('DiscardResult');

const errors = { ...commonErrors, ...notFoundError, ...conflictError };

const checkConflicts = createRoute({
  method: 'get',
  path: '/tasks/{id}/conflicts',
  tags: ['Merge'],
  summary: "Whether an attempt merges cleanly into the target (no working tree touched)",
  security,
  request: { params: TaskIdParam, query: z.object({ agent: AgentLabel.optional(), target: BranchName.optional() }) },
  responses: { 200: json(ConflictCheck, 'The conflict check'), ...errors },
});

const mergeTask = createRoute({
  method: 'post',
  path: '/tasks/{id}/merge',
  tags: ['Merge'],
  summary: "Merge an attempt into the target branch",
  security,
  request: { params: TaskIdParam, body: { required: false, content: { 'application/json': { schema: MergeBody } } } },
  responses: {
    200: json(MergeOutcomeBody, 'Merged, or (manual) the merge attempt is on the review branch'),
    ...errors,
    ...bodyErrors,
  },
});

const listMerges = createRoute({
  method: 'get',
  path: '/tasks/{id}/merges',
  tags: ['Merge'],
  summary: 'Every merge asked of the task, oldest first',
  security,
  request: { params: TaskIdParam },
  responses: { 200: json(z.object({ items: z.array(MergeResult) }), 'The merge history'), ...commonErrors, ...notFoundError },
});

const getDiff = createRoute({
  method: 'get',
  path: '/tasks/{id}/diff',
  tags: ['Merge'],
  summary: "An attempt's unified diff against the task's base commit, with stats",
  security,
  request: { params: TaskIdParam, query: z.object({ agent: AgentLabel.optional() }) },
  responses: { 200: json(Diff, 'The diff'), ...errors },
});

const discardTask = createRoute({
  method: 'post',
  path: '/tasks/{id}/discard',
  tags: ['Merge'],
  summary: "Remove the task's worktrees and branches",
  security,
  request: { params: TaskIdParam },
  responses: { 200: json(DiscardResult, 'What was removed'), ...errors },
});

export function registerMergeRoutes(app: OpenAPIHono<AppEnv>, merges: MergeService): void {
  app.openapi(checkConflicts, async (c) => {
    const query = c.req.valid('query');
    return c.json(await httpErrors(() => merges.conflicts(c.req.valid('param').id, query)), 200);
  });

  app.openapi(mergeTask, async (c) => {
    // The body is optional: without one, the defaults (winner, auto, task's branch) apply.
    const body = MergeBody.parse(c.req.valid('json') ?? {});
    const { record, outcome } = await httpErrors(() => merges.merge(c.req.valid('param').id, body));
    return c.json(
      {
        ...presentMerge(record),
        squash: body.squash,
        alreadyUpToDate: outcome.status === 'merged' && outcome.alreadyUpToDate,
        previousTargetCommit: outcome.status === 'merged' ? outcome.previousTargetCommit : null,
        updatedCheckouts: outcome.status === 'merged' ? outcome.updatedCheckouts : [],
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
    return c.json(await httpErrors(() => merges.diff(c.req.valid('param').id, query)), 200);
  });

  app.openapi(discardTask, async (c) => c.json(await httpErrors(() => merges.discard(c.req.valid('param').id)), 200));
}

function presentMerge(record: MergeRecord): z.infer<typeof MergeResult> {
  return {
    id: record.id,
    taskId: record.taskId,
    agent: record.agentLabel,
    strategy: record.strategy,
    status: record.status,
    targetBranch: record.targetBranch,
    commit: record.commitSha,
    reviewBranch: record.reviewBranch,
    conflicts: record.conflicts,
    createdAt: record.createdAt.toISOString(),
  };
}

/** Turns the git layer's typed failures into the API's errors; anything else passes through. */
async function httpErrors<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toHttpError(error);
  }
}

function toHttpError(error: unknown): unknown {
  if (error instanceof MergeConflictError) {
    return new HttpError(409, error.code, error.message, { conflicts: error.conflicts, sourceBranch: error.sourceBranch, targetBranch: error.targetBranch });
  }
  if (error instanceof DirtyCheckoutError) {
    return new HttpError(409, error.code, error.message, { targetBranch: error.targetBranch, checkoutPath: error.checkoutPath, paths: error.paths });
  }
  if (error instanceof FilesInTheWayError) {
    return new HttpError(409, error.code, error.message, { targetBranch: error.targetBranch, checkoutPath: error.checkoutPath, paths: error.paths });
  }
  if (error instanceof TargetMovedError) {
    return new HttpError(409, error.code, error.message, { targetBranch: error.targetBranch, expectedCommit: error.expectedCommit, actualCommit: error.actualCommit });
  }
  if (error instanceof BranchCheckedOutError) {
    return new HttpError(409, error.code, error.message, { branch: error.branch, checkoutPath: error.checkoutPath });
  }
  if (error instanceof UnrelatedHistoriesError) {
    return new HttpError(409, error.code, error.message, { targetCommit: error.targetCommit, sourceCommit: error.sourceCommit });
  }
  if (error instanceof BranchNotFoundError) return new HttpError(404, error.code, error.message, { branch: error.branch });
  if (error instanceof RefNotFoundError) return new HttpError(404, 'ref_not_found', error.message, { ref: error.ref });
  return error;
}
