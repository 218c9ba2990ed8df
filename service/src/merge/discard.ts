/** Throws away a task's attempts: their worktrees, then their branches. */
import type { WorktreeManager } from '../executor/worktree-manager.ts';
import { branchHead, checkoutsOfBranch } from '../git/repository.ts';
import { BranchCheckedOutError } from './merge-errors.ts';

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
