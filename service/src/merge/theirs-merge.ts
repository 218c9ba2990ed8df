/**
 * The `theirs` strategy's merge: a real `git merge -X theirs` in a temporary detached worktree at
 * the target, because git 2.39's merge-tree has no -X. Conflicts `-X theirs` cannot settle
 * (modify/delete and the like) are settled the same way: the attempt's side wins, a file the
 * attempt deleted stays deleted. Returns the merge commit; no branch is moved here.
 */
import type { RepoLock } from '../git/repo-lock.ts';
import { git, type GitIdentity, runGit } from '../git/git-command.ts';
import { withTemporaryWorktree } from './temporary-worktree.ts';

export interface TheirsMergeInput {
  repoPath: string;
  targetCommit: string;
  sourceCommit: string;
  message: string;
  squash: boolean;
  identity?: GitIdentity;
}

export async function mergePreferringSource(lock: RepoLock, input: TheirsMergeInput): Promise<string> {
  return withTemporaryWorktree(lock, input.repoPath, input.targetCommit, async (worktree) => {
    const identity = input.identity;
    const mergeArgs = input.squash
      ? ['merge', '--squash', '-X', 'theirs', input.sourceCommit]
      : ['merge', '--no-ff', '--no-edit', '-X', 'theirs', '-m', input.message, input.sourceCommit];
    // rerere could replay an unrelated earlier resolution; this merge must be only what -X theirs gives.
    const merge = await runGit(worktree, ['-c', 'rerere.enabled=false', ...mergeArgs], { okExitCodes: [1], identity });
    if (merge.exitCode === 1) await settleInFavourOfSource(worktree);
    if (input.squash || merge.exitCode === 1) {
      await git(worktree, ['commit', '--quiet', '--no-verify', '--allow-empty', '-m', input.message], { identity });
    }
    return git(worktree, ['rev-parse', '--verify', 'HEAD^{commit}']);
  });
}

/** Resolves every unmerged path to the source's version (stage 3), or removes it when the source deleted it. */
async function settleInFavourOfSource(worktree: string): Promise<void> {
  const unmerged = await unmergedStages(worktree);
  for (const [path, stages] of unmerged) {
    if (stages.has(3)) {
      await git(worktree, ['checkout', '--theirs', '--', path]);
      await git(worktree, ['add', '--', path]);
    } else {
      await git(worktree, ['rm', '--quiet', '--force', '--', path]);
    }
  }
  const left = await unmergedStages(worktree);
  if (left.size > 0) {
    throw new Error(`merge in ${worktree} still has unmerged paths after taking the source's side: ${[...left.keys()].join(', ')}`);
  }
}

async function unmergedStages(worktree: string): Promise<Map<string, Set<number>>> {
  const output = (await runGit(worktree, ['ls-files', '--unmerged', '-z'], { raw: true })).stdout;
  const stages = new Map<string, Set<number>>();
  for (const record of output.split('\0')) {
    const match = /^\d+ [0-9a-f]+ (\d)\t(.+)$/s.exec(record);
    if (!match) continue;
    const [, stage = '0', path = ''] = match;
    const set = stages.get(path) ?? new Set<number>();
    set.add(Number(stage));
    stages.set(path, set);
  }
  return stages;
}
