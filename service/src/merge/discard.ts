/** Throws away a task's attempts: their worktrees, then their branches. */
import type { TaskRepository } from '../db/task-repository.ts';
import type { WorktreeManager } from '../git/worktree-manager.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';
import { branchHead, checkoutsOfBranch } from '../git/repository.ts';
import { Refusal } from '../refusal.ts';
import { isUnfinished, loadTask } from './attempt-selection.ts';
import { BranchCheckedOutError } from './merge-errors.ts';
import { mergeReviewBranch } from '../git/attempt-branch.ts';

export interface DiscardInput {
  repoPath: string;
  worktrees: readonly string[];
  branches: readonly string[];
}

export interface DiscardResult {
  removedWorktrees: string[];
  deletedBranches: string[];
}

/**
 * Removes the worktrees, then deletes the branches that exist. A branch someone checked out
 * outside the task's worktrees (to review it) stops the discard with BranchCheckedOutError
 * before anything is deleted.
 */
export async function discardAttempts(manager: WorktreeManager, input: DiscardInput): Promise<DiscardResult> {
  const ownWorktrees = new Set(input.worktrees);
  for (const branch of input.branches) {
    const foreign = (await checkoutsOfBranch(input.repoPath, branch)).find((checkout) => !ownWorktrees.has(checkout.path));
    if (foreign) throw new BranchCheckedOutError(branch, foreign.path);
  }
  // Worktrees first: git refuses to delete a branch that is checked out in one.
  for (const worktree of input.worktrees) await manager.remove(input.repoPath, worktree);
  const deletedBranches: string[] = [];
  for (const branch of input.branches) {
    if ((await branchHead(input.repoPath, branch)) === null) continue;
    await manager.removeBranch(input.repoPath, branch);
    deletedBranches.push(branch);
  }
  return { removedWorktrees: [...input.worktrees], deletedBranches };
}

/** Discards every attempt of an ended task: worktrees, attempt branches and review branches. */
export async function discardTask(
  deps: { tasks: TaskRepository; worktrees: WorktreeManager; remotes: TaskRemotes; forgetAttempts?: ((taskId: string) => Promise<void>) | undefined },
  taskId: string,
): Promise<DiscardResult & { taskId: string }> {
  const { task, runs } = await loadTask(deps, taskId);
  if (isUnfinished(task)) {
    throw new Refusal('conflict', 'task_not_finished', `Task ${taskId} is ${task.status}; cancel it before discarding its attempts`);
  }
  // Marked first: a push or follow-up asked meanwhile, here or on another instance, is refused.
  if (!(await deps.tasks.markDiscarded(task.id))) {
    throw new Refusal('conflict', 'task_not_finished', `Task ${taskId} is running again (a follow-up); discard it once it has ended`);
  }
  const worktrees = [...new Set(runs.flatMap((run) => (run.worktreePath ? [run.worktreePath] : [])))];
  const branches = runs.flatMap((run) => [run.branch, mergeReviewBranch(task.id, run.label)]);
  const result = await discardAttempts(deps.worktrees, { repoPath: task.repositoryPath, worktrees, branches });
  // Pushed attempt and review branches go from the remote too; ones never pushed are no error.
  if (task.repositoryUrl) await deps.remotes.deleteRemoteBranches(task, branches);
  for (const run of runs) {
    if (run.worktreePath) await deps.tasks.attempts.update(task.id, run.label, { worktreePath: null });
  }
  await deps.forgetAttempts?.(task.id);
  return { taskId, ...result };
}
