/** Throws away a task's attempts: their worktrees, then their branches. */
import type { WorktreeManager } from '../executor/worktree-manager.ts';
import { branchHead } from '../git/repository.ts';

export interface DiscardInput {
  repoPath: string;
  worktrees: readonly string[];
  branches: readonly string[];
}

export interface DiscardResult {
  removedWorktrees: string[];
  deletedBranches: string[];
}

export async function discardAttempts(manager: WorktreeManager, input: DiscardInput): Promise<DiscardResult> {
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
