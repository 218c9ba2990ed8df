/**
 * One verify round of an attempt: the task's verify command in the attempt's worktree, with its
 * protected files as the base commit has them (protected-files.ts), in the attempt's sandbox.
 */
import { attemptTag } from '../agents/process-tag.ts';
import type { TaskRecord } from '../db/task-repository.ts';
import type { AttemptSandbox } from '../sandbox/attempt-sandbox.ts';
import { type ProjectCommandResult, runProjectCommand } from './project-command.ts';
import { protectedChanges, protectedGlobs, withProtectedFilesRestored } from './protected-files.ts';

export type VerifyRound = ProjectCommandResult & { round: number; protectedChanged?: string[] };

export async function verifyAttempt(
  task: TaskRecord,
  attempt: { label: string; worktree: string; headCommit: string; round: number },
  run: { sandbox: AttemptSandbox | undefined; signal: AbortSignal; instanceTag: string },
): Promise<VerifyRound> {
  const verify = task.config.verify!;
  const globs = await protectedGlobs(task.repositoryPath, task.baseCommit, verify.protect);
  const protectedChanged = await protectedChanges(attempt.worktree, task.baseCommit, attempt.headCommit, globs);
  const outcome = await withProtectedFilesRestored(attempt.worktree, task.baseCommit, protectedChanged, () =>
    runProjectCommand(verify.command, attempt.worktree, {
      timeoutSeconds: verify.timeoutSeconds,
      signal: run.signal,
      processTag: attemptTag(task.id, attempt.label, run.instanceTag),
      confinement: run.sandbox,
      network: verify.network !== 'none',
    }),
  );
  if (protectedChanged.length === 0) return { ...outcome, round: attempt.round };
  const note = `protected files the attempt changed were run as the base commit has them: ${protectedChanged.join(', ')}`;
  return { ...outcome, outputTail: `${outcome.outputTail.trimEnd()}\n${note}\n`, round: attempt.round, protectedChanged };
}
