/**
 * Moves a branch to a new commit the safe way: compare-and-swap on the commit it was read at, so
 * a concurrent commit is never overwritten, and when the branch is checked out (in the main
 * checkout or any worktree) that checkout's index and files follow, so the user sees the merge
 * and never a half-merged or conflicted state.
 */
import type { RepoLock } from '../git/repo-lock.ts';
import { GitCommandError, git, runGit } from '../git/git-command.ts';
import { branchHead, checkoutsOfBranch, isValidBranchName, uncommittedChanges } from '../git/repository.ts';
import { filesInTheWay } from '../git/files-in-the-way.ts';
import { BranchNotFoundError, DirtyCheckoutError, FilesInTheWayError, TargetMovedError } from './merge-errors.ts';

/** The commit a local branch points at; BranchNotFoundError when it does not exist. */
export async function requireBranch(repoPath: string, branch: string): Promise<string> {
  const head = (await isValidBranchName(repoPath, branch)) ? await branchHead(repoPath, branch) : null;
  if (head === null) throw new BranchNotFoundError(repoPath, branch);
  return head;
}

/** Throws DirtyCheckoutError when `branch` is checked out anywhere with uncommitted tracked changes. */
export async function assertCheckoutsClean(repoPath: string, branch: string): Promise<string[]> {
  const checkouts = await checkoutsOfBranch(repoPath, branch);
  for (const checkout of checkouts) {
    const dirty = await uncommittedChanges(checkout.path);
    if (dirty.length > 0) throw new DirtyCheckoutError(branch, checkout.path, dirty);
  }
  return checkouts.map((checkout) => checkout.path);
}

export class BranchMover {
  private readonly lock: RepoLock;

  constructor(lock: RepoLock) {
    this.lock = lock;
  }

  /**
   * Moves `branch` from `oldCommit` to `newCommit` and updates its checkouts. Returns the
   * checkouts that were updated. TargetMovedError when the branch is no longer at `oldCommit`;
   * DirtyCheckoutError when a checkout has (or gains) uncommitted changes; FilesInTheWayError
   * when following the branch would overwrite or delete a file the checkout does not track
   * (git would: it treats ignored files as disposable). The branch is then left where it was.
   */
  async move(repoPath: string, branch: string, oldCommit: string, newCommit: string, reason: string): Promise<string[]> {
    return this.lock.withRepoLock(repoPath, async () => {
      const checkouts = await assertCheckoutsClean(repoPath, branch);
      // Files in the way are judged from the head the checkout is at: a branch moved meanwhile
      // (a concurrent merge) is the caller's to retry, not files in the way.
      const head = await branchHead(repoPath, branch);
      if (head !== oldCommit) throw new TargetMovedError(branch, oldCommit, head);
      for (const checkout of checkouts) {
        const paths = await filesInTheWay(checkout, oldCommit, newCommit);
        if (paths.length > 0) throw new FilesInTheWayError(branch, checkout, paths);
      }
      await compareAndSwap(repoPath, branch, oldCommit, newCommit, reason);
      for (const checkout of checkouts) {
        try {
          // A two-tree read-tree is a checkout from old to new: it refuses to overwrite local
          // changes or untracked files, and changes nothing when it refuses.
          await runGit(checkout, ['update-index', '-q', '--refresh'], { okExitCodes: [1] });
          await git(checkout, ['read-tree', '-m', '-u', oldCommit, newCommit]);
        } catch (error) {
          await compareAndSwap(repoPath, branch, newCommit, oldCommit, `${reason} (undone: checkout refused)`);
          const detail = error instanceof GitCommandError ? error.stderr.trim().split('\n')[0] : String(error);
          throw new DirtyCheckoutError(branch, checkout, [], detail);
        }
      }
      return checkouts;
    });
  }

  /** Creates or replaces a branch the service owns (no checkout to follow). */
  async set(repoPath: string, branch: string, newCommit: string, expected: string | null, reason: string): Promise<void> {
    await this.lock.withRepoLock(repoPath, () => compareAndSwap(repoPath, branch, expected, newCommit, reason));
  }
}

/** `git update-ref` with the expected old value (all zeros: must not exist yet). */
async function compareAndSwap(
  repoPath: string,
  branch: string,
  expected: string | null,
  newCommit: string,
  reason: string,
): Promise<void> {
  const ref = `refs/heads/${branch}`;
  // The null object id has the length of the repository's ids (SHA-1 or SHA-256).
  const oldValue = expected ?? '0'.repeat(newCommit.length);
  const result = await runGit(repoPath, ['update-ref', '-m', reason, ref, newCommit, oldValue], { okExitCodes: [1, 128] });
  if (result.exitCode === 0) return;
  const actual = await branchHead(repoPath, branch);
  if (actual !== expected) throw new TargetMovedError(branch, expected ?? '(absent)', actual);
  throw new GitCommandError(repoPath, ['update-ref', ref, newCommit, oldValue], result.exitCode, result.stderr);
}
