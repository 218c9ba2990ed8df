/**
 * One verify round of an attempt: the task's verify command in the attempt's worktree, with its
 * protected files as the base commit has them (protected-files.ts), in the attempt's sandbox.
 */
import { attemptTag } from '../agents/process-tag.ts';
import type { TaskRecord } from '../model/task.ts';
import type { AttemptSandbox } from '../sandbox/attempt-sandbox.ts';
import { type ProjectCommandResult, runProjectCommand } from './project-command.ts';
import { protectedChanges, protectedGlobs, withProtectedFilesRestored } from './protected-files.ts';
import { failSpan, inSpan, setSpanFields } from '../tracing/spans.ts';
import { ATTEMPT, processFields, TASK_ID } from '../tracing/span-fields.ts';

export type VerifyRound = ProjectCommandResult & { round: number; protectedChanged?: string[] };

/** A verify round, traced (tracing on) as its own span: a failed check is a result (`kage.verify.passed`), a time-out an error. */
export async function verifyAttempt(
  task: TaskRecord,
  attempt: { label: string; worktree: string; headCommit: string; round: number },
  run: { sandbox: AttemptSandbox | undefined; signal: AbortSignal; instanceTag: string },
): Promise<VerifyRound> {
  return inSpan('verify', { [TASK_ID]: task.id, [ATTEMPT]: attempt.label, 'kage.verify.round': attempt.round }, async (span) => {
    const round = await verifyRound(task, attempt, run);
    setSpanFields(span, { 'kage.verify.passed': round.passed, ...processFields(task.config.verify!.command[0], round.exitCode) });
    if (round.timedOut) failSpan(span, `verify timed out after ${task.config.verify!.timeoutSeconds} s`, 'timeout');
    return round;
  });
}

async function verifyRound(
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
