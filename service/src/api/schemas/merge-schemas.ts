import { z } from '@hono/zod-openapi';
import { mergeStrategies } from '../../merge/merge-strategies.ts';
import { ATTEMPT_LABEL_PATTERN } from '../../git/attempt-branch.ts';

// Never starting with '-', so neither can become a git option; git checks the rest.
export const AgentLabel = z
  .string()
  .regex(ATTEMPT_LABEL_PATTERN, 'must be an attempt label such as claude-1, or best')
  .openapi({ description: "An attempt's label, or `best` for the winner (the default)", example: 'best' });
export const BranchName = z
  .string()
  .min(1)
  .max(255)
  .regex(/^[A-Za-z0-9._][A-Za-z0-9._/-]*$/, 'must be a branch name')
  .openapi({ example: 'main' });

const Conflict = z.object({ path: z.string(), kind: z.string().openapi({ example: 'content' }), message: z.string() }).openapi('MergeConflict');

export const ConflictCheck = z
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
    allowUnverified: z.boolean().default(false).openapi({
      description: "Merge an attempt that did not pass the task's verify command; without it such a merge answers 409 not_verified",
    }),
    deleteBranches: z.boolean().optional().openapi({
      description: "Once merged into the target, delete the task's worktrees and branches (as discard does); default KAGE_DELETE_MERGED_BRANCHES",
    }),
  })
  .openapi('MergeRequest');

export const MergeResult = z
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

export const MergeOutcomeBody = MergeResult.extend({
  squash: z.boolean(),
  alreadyUpToDate: z.boolean(),
  previousTargetCommit: z.string().nullable(),
  updatedCheckouts: z.array(z.string()).openapi({ description: 'Checkouts of the target whose files were updated' }),
  deletedBranches: z.array(z.string()).openapi({ description: "The task's branches deleted after the merge (deleteBranches)" }),
  branchesKept: z.string().nullable().openapi({ description: 'Why deleting the branches was refused, when it was (the merge stands)' }),
}).openapi('MergeOutcome');

const FileStat = z.object({ path: z.string(), insertions: z.number().int(), deletions: z.number().int(), binary: z.boolean() });
export const Diff = z
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

export const DiscardResult = z
  .object({ taskId: z.uuid(), removedWorktrees: z.array(z.string()), deletedBranches: z.array(z.string()) })
  .openapi('DiscardResult');

export type MergeResult = z.infer<typeof MergeResult>;
