/**
 * Merges an attempt's branch into a target branch with one of three strategies:
 * - `auto`: merges when clean (merge-tree's tree, committed with `commit-tree`); on conflicts
 *   throws MergeConflictError and changes nothing.
 * - `theirs`: merges, settling conflicts in favour of the attempt.
 * - `manual`: leaves the target alone and puts the merge attempt (conflict markers committed
 *   where it conflicts) on a review branch for a person to finish.
 * The target moves only by compare-and-swap (TargetMovedError when someone else moved it first)
 * and its checkouts follow (DirtyCheckoutError when one holds uncommitted changes).
 */
import type { RepoLock } from '../git/repo-lock.ts';
import { git, type GitIdentity } from '../git/git-command.ts';
import { branchHead, checkoutsOfBranch, isValidBranchName, resolveCommit } from '../git/repository.ts';
import { assertCheckoutsClean, BranchMover, requireBranch } from './branch-mover.ts';
import { isAncestor } from './conflict-detector.ts';
import { BranchNotFoundError, type ConflictEntry, MergeConflictError, BranchCheckedOutError } from './merge-errors.ts';
import { mergeTree } from './merge-tree.ts';
import { mergePreferringSource } from './theirs-merge.ts';

export const mergeStrategies = ['auto', 'theirs', 'manual'] as const;
export type MergeStrategy = (typeof mergeStrategies)[number];

export interface MergeRequest {
  repoPath: string;
  sourceBranch: string;
  targetBranch: string;
  strategy: MergeStrategy;
  /** One single-parent commit on the target instead of a merge commit. */
  squash?: boolean;
  message?: string;
  /** Where `manual` puts its merge attempt; see `mergeReviewBranch()`. Required for `manual`. */
  reviewBranch?: string;
  /** Author and committer of the merge commit. */
  identity?: GitIdentity;
}

export interface MergedOutcome {
  status: 'merged';
  strategy: 'auto' | 'theirs';
  targetBranch: string;
  /** The target's new head (its old head when `alreadyUpToDate`). */
  commit: string;
  previousTargetCommit: string;
  sourceCommit: string;
  squash: boolean;
  alreadyUpToDate: boolean;
  /** For `theirs`: the conflicts that were settled in favour of the source. */
  conflicts: ConflictEntry[];
  /** Checkouts of the target branch whose files were brought up to date. */
  updatedCheckouts: string[];
}

export interface ManualOutcome {
  status: 'manual';
  strategy: 'manual';
  targetBranch: string;
  targetCommit: string;
  sourceCommit: string;
  reviewBranch: string;
  /** The merge attempt on the review branch. */
  commit: string;
  clean: boolean;
  conflicts: ConflictEntry[];
}

export type MergeOutcome = MergedOutcome | ManualOutcome;

export class MergeStrategies {
  private readonly lock: RepoLock;
  private readonly mover: BranchMover;

  constructor(lock: RepoLock) {
    this.lock = lock;
    this.mover = new BranchMover(lock);
  }

  async merge(request: MergeRequest): Promise<MergeOutcome> {
    const targetCommit = await requireBranch(request.repoPath, request.targetBranch);
    const sourceCommit = await resolveCommit(request.repoPath, request.sourceBranch);
    if (request.strategy === 'manual') return this.manual(request, targetCommit, sourceCommit);
    // Fail fast before any work; the check is repeated just before the move. Under the lock, so
    // it never sees another merge's checkout halfway through its update.
    await this.lock.withRepoLock(request.repoPath, () => assertCheckoutsClean(request.repoPath, request.targetBranch));

    const squash = request.squash ?? false;
    const base = { strategy: request.strategy, targetBranch: request.targetBranch, previousTargetCommit: targetCommit, sourceCommit, squash };
    if (await isAncestor(request.repoPath, sourceCommit, targetCommit)) {
      return { status: 'merged', ...base, commit: targetCommit, alreadyUpToDate: true, conflicts: [], updatedCheckouts: [] };
    }
    const message = request.message ?? defaultMessage(request, squash);
    const merged = await mergeTree(request.repoPath, targetCommit, sourceCommit);
    let commit: string;
    if (merged.clean) {
      commit = await this.commitTree(request, merged.tree, targetCommit, squash ? [] : [sourceCommit], message);
    } else if (request.strategy === 'theirs') {
      commit = await mergePreferringSource(this.lock, {
        repoPath: request.repoPath,
        targetCommit,
        sourceCommit,
        message,
        squash,
        identity: request.identity,
      });
    } else {
      throw new MergeConflictError(request.sourceBranch, request.targetBranch, merged.conflicts);
    }
    const reason = `kage-bunshin: ${request.strategy} merge of ${request.sourceBranch}`;
    const updatedCheckouts = await this.mover.move(request.repoPath, request.targetBranch, targetCommit, commit, reason);
    return { status: 'merged', ...base, commit, alreadyUpToDate: false, conflicts: merged.conflicts, updatedCheckouts };
  }

  private async manual(request: MergeRequest, targetCommit: string, sourceCommit: string): Promise<ManualOutcome> {
    const reviewBranch = request.reviewBranch;
    if (!reviewBranch || !(await isValidBranchName(request.repoPath, reviewBranch))) {
      throw new BranchNotFoundError(request.repoPath, reviewBranch ?? '(no review branch given)');
    }
    const squash = request.squash ?? false;
    const merged = await mergeTree(request.repoPath, targetCommit, sourceCommit);
    const message = (request.message ?? defaultMessage(request, squash)) + conflictTrailer(merged.conflicts);
    const commit = await this.commitTree(request, merged.tree, targetCommit, squash ? [] : [sourceCommit], message);
    const [checkout] = await checkoutsOfBranch(request.repoPath, reviewBranch);
    if (checkout) throw new BranchCheckedOutError(reviewBranch, checkout.path);
    const previous = await branchHead(request.repoPath, reviewBranch);
    await this.mover.set(request.repoPath, reviewBranch, commit, previous, `kage-bunshin: manual merge of ${request.sourceBranch}`);
    return {
      status: 'manual',
      strategy: 'manual',
      targetBranch: request.targetBranch,
      targetCommit,
      sourceCommit,
      reviewBranch,
      commit,
      clean: merged.clean,
      conflicts: merged.conflicts,
    };
  }

  private commitTree(request: MergeRequest, tree: string, first: string, others: string[], message: string): Promise<string> {
    const parents = [first, ...others].flatMap((parent) => ['-p', parent]);
    return git(request.repoPath, ['commit-tree', tree, ...parents, '-m', message], { identity: request.identity });
  }
}

function defaultMessage(request: MergeRequest, squash: boolean): string {
  return squash
    ? `Squash merge of '${request.sourceBranch}' into ${request.targetBranch}`
    : `Merge branch '${request.sourceBranch}' into ${request.targetBranch}`;
}

function conflictTrailer(conflicts: ConflictEntry[]): string {
  if (conflicts.length === 0) return '';
  return `\n\nConflicts (markers committed, resolve before merging):\n${conflicts.map((c) => `\t${c.path} (${c.kind})`).join('\n')}`;
}
