/** Whether a branch merges cleanly into another, computed without touching any working tree. */
import { runGit } from '../git/git-command.ts';
import { resolveCommit } from '../git/repository.ts';
import { requireBranch } from './branch-mover.ts';
import type { ConflictEntry } from './merge-errors.ts';
import { mergeTree } from './merge-tree.ts';

export interface ConflictCheckInput {
  repoPath: string;
  /** The attempt's branch (or any commit-ish). */
  sourceBranch: string;
  /** A local branch. */
  targetBranch: string;
}

export interface ConflictCheck {
  clean: boolean;
  conflicts: ConflictEntry[];
  sourceCommit: string;
  targetCommit: string;
  /** The source is already contained in the target: merging would change nothing. */
  alreadyMerged: boolean;
}

export class ConflictDetector {
  async check(input: ConflictCheckInput): Promise<ConflictCheck> {
    const targetCommit = await requireBranch(input.repoPath, input.targetBranch);
    const sourceCommit = await resolveCommit(input.repoPath, input.sourceBranch);
    const alreadyMerged = await isAncestor(input.repoPath, sourceCommit, targetCommit);
    if (alreadyMerged) return { clean: true, conflicts: [], sourceCommit, targetCommit, alreadyMerged };
    const merged = await mergeTree(input.repoPath, targetCommit, sourceCommit);
    return { clean: merged.clean, conflicts: merged.conflicts, sourceCommit, targetCommit, alreadyMerged };
  }
}

export async function isAncestor(repoPath: string, ancestor: string, descendant: string): Promise<boolean> {
  const result = await runGit(repoPath, ['merge-base', '--is-ancestor', ancestor, descendant], { okExitCodes: [1] });
  return result.exitCode === 0;
}
