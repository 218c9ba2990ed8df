/**
 * A throw-away detached worktree for work that needs a real index (a `-X theirs` merge, which
 * git 2.39's merge-tree cannot do). Lives in the system temp folder and is always removed.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RepoLock } from '../git/repo-lock.ts';
import { git } from '../git/git-command.ts';

export async function withTemporaryWorktree<T>(
  lock: RepoLock,
  repoPath: string,
  commit: string,
  work: (worktreePath: string) => Promise<T>,
): Promise<T> {
  const parent = await mkdtemp(join(tmpdir(), 'kage-merge-'));
  const path = join(parent, 'worktree');
  try {
    await lock.withRepoLock(repoPath, () => git(repoPath, ['worktree', 'add', '--detach', path, commit]));
    return await work(path);
  } finally {
    await lock.withRepoLock(repoPath, async () => {
      await git(repoPath, ['worktree', 'remove', '--force', '--force', path]).catch(() => {});
      await rm(parent, { recursive: true, force: true });
      await git(repoPath, ['worktree', 'prune']);
    });
  }
}
