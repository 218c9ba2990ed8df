/**
 * The merge operations the API offers on a task: conflict check, merge, diff, discard and the
 * merge history. A merge is recorded with its `merge.completed` event in one transaction.
 */
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/db.ts';
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import type { RepoLock } from '../git/repo-lock.ts';
import { mergeReviewBranch, taskShortId } from '../git/attempt-branch.ts';
import type { WorktreeManager } from '../git/worktree-manager.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';
import { Refusal } from '../refusal.ts';
import { loadTask, requireVerified, selectAttempt, targetBranchOf } from './attempt-selection.ts';
import { type ConflictCheck, ConflictDetector } from './conflict-detector.ts';
import { type AttemptDiff, DiffReader } from './diff-reader.ts';
import { type DiscardResult, discardTask } from './discard.ts';
import { MergeConflictError, TargetMovedError } from './merge-errors.ts';
import { MergeStrategies, type MergeOutcome, type MergeRequest, type MergeStrategy } from './merge-strategies.ts';
import { type MergeRecord, MergeRepository } from './merge-repository.ts';
import { inSpan, setSpanFields } from '../tracing/spans.ts';
import { ATTEMPT, TASK_ID } from '../tracing/span-fields.ts';

export interface MergeServiceDeps {
  tasks: TaskRepository;
  events: EventStore;
  merges: MergeRepository;
  strategies: MergeStrategies;
  detector: ConflictDetector;
  diffs: DiffReader;
  worktrees: WorktreeManager;
  remotes: TaskRemotes;
  /** Forgets what the sandbox kept of the task's attempts (their CLIs' sessions) once it is discarded. */
  forgetAttempts?: ((taskId: string) => Promise<void>) | undefined;
  /** KAGE_DELETE_MERGED_BRANCHES: what a merge does with the task's branches when it does not say. */
  deleteMergedBranches?: boolean | undefined;
}

/** What a merge did to the task's branches once the target held the attempt. */
export interface BranchCleanup {
  deletedBranches: string[];
  /** Why they were kept when deleting was asked for but refused (a branch checked out elsewhere, say). */
  branchesKept: string | null;
}

export interface TaskMergeRequest {
  /** An attempt label, or `best` (the default) for the task's winner. */
  agent?: string | undefined;
  strategy: MergeStrategy;
  targetBranch?: string | undefined;
  message?: string | undefined;
  squash: boolean;
  /** Merge an attempt whose agent did not succeed (by label only): a person's explicit decision. */
  force?: boolean | undefined;
  /** After a merge into the target: delete the task's worktrees and branches (its discard). */
  deleteBranches?: boolean | undefined;
  /** Merge an attempt that did not pass the task's verify command: a person's explicit decision. */
  allowUnverified?: boolean | undefined;
}

/** A MergeService with the standard parts, sharing the task runner's repository lock. */
export function createMergeService(deps: {
  db: Db;
  tasks: TaskRepository;
  events: EventStore;
  worktrees: WorktreeManager;
  lock: RepoLock;
  remotes: TaskRemotes;
  forgetAttempts?: (taskId: string) => Promise<void>;
  deleteMergedBranches?: boolean;
}): MergeService {
  return new MergeService({
    deleteMergedBranches: deps.deleteMergedBranches,
    tasks: deps.tasks,
    events: deps.events,
    worktrees: deps.worktrees,
    remotes: deps.remotes,
    forgetAttempts: deps.forgetAttempts,
    merges: new MergeRepository(deps.db),
    strategies: new MergeStrategies(deps.lock),
    detector: new ConflictDetector(),
    diffs: new DiffReader(),
  });
}

/** How often a merge that lost a race for the target is computed again on the new target. */
const targetMovedRetries = 3;

export class MergeService {
  private readonly deps: MergeServiceDeps;

  constructor(deps: MergeServiceDeps) {
    this.deps = deps;
  }

  async conflicts(taskId: string, query: { agent?: string | undefined; target?: string | undefined }) {
    const { task, run } = await selectAttempt(this.deps, taskId, query.agent, { finished: true });
    await this.deps.remotes.sync(task);
    const targetBranch = await targetBranchOf(task, query.target);
    const check: ConflictCheck = await this.deps.detector.check({ repoPath: task.repositoryPath, sourceBranch: run.branch, targetBranch });
    return { taskId, agent: run.label, sourceBranch: run.branch, targetBranch, ...check };
  }

  /**
   * Merges the attempt; once the target holds it (not for a manual merge's review branch), the
   * task's branches go too when asked (deleteBranches, or KAGE_DELETE_MERGED_BRANCHES). A
   * deletion refused then does not undo the merge: the answer says why the branches stayed.
   */
  async merge(taskId: string, body: TaskMergeRequest): Promise<{ record: MergeRecord; outcome: MergeOutcome; branches: BranchCleanup }> {
    const merged = await this.mergeAttempt(taskId, body);
    const branches: BranchCleanup = { deletedBranches: [], branchesKept: null };
    if (merged.outcome.status === 'merged' && (body.deleteBranches ?? this.deps.deleteMergedBranches ?? false)) {
      try {
        branches.deletedBranches = (await discardTask(this.deps, taskId)).deletedBranches;
      } catch (error) {
        if (!(error instanceof Refusal)) throw error;
        branches.branchesKept = error.message;
      }
    }
    return { ...merged, branches };
  }

  /** Traced (tracing on) in the task's trace, whichever request and instance asked for it. */
  private async mergeAttempt(taskId: string, body: TaskMergeRequest): Promise<{ record: MergeRecord; outcome: MergeOutcome }> {
    const { task, runs, run } = await selectAttempt(this.deps, taskId, body.agent, { finished: true });
    const fields = { [TASK_ID]: taskId, [ATTEMPT]: run.label, 'kage.merge.strategy': body.strategy, 'kage.merge.squash': body.squash };
    return inSpan(
      'merge',
      fields,
      async (span) => {
        const merged = await this.mergeSelected(task, runs, run, body);
        setSpanFields(span, { 'kage.merge.status': merged.outcome.status, 'kage.merge.target': merged.record.targetBranch, 'kage.merge.commit': merged.outcome.commit });
        return merged;
      },
      { under: task.traceparent },
    );
  }

  private async mergeSelected(task: TaskRecord, runs: AttemptRecord[], run: AttemptRecord, body: TaskMergeRequest): Promise<{ record: MergeRecord; outcome: MergeOutcome }> {
    const taskId = task.id;
    if (run.status !== 'succeeded' && !body.force) {
      throw new Refusal(
        'conflict',
        'attempt_not_succeeded',
        `Attempt ${run.label} of task ${taskId} ${run.status === 'failed' ? 'failed' : `ended ${run.status}`}${run.error ? ` (${run.error})` : ''}; to merge it anyway, send force: true`,
        { label: run.label, status: run.status },
      );
    }
    requireVerified(task, runs, run, body.allowUnverified ?? false);
    await this.deps.remotes.sync(task);
    const targetBranch = await targetBranchOf(task, body.targetBranch);
    const request: MergeRequest = {
      repoPath: task.repositoryPath,
      sourceBranch: run.branch,
      targetBranch,
      strategy: body.strategy,
      squash: body.squash,
      message: body.message ?? defaultMessage(task, run),
      reviewBranch: mergeReviewBranch(task.id, run.label),
    };
    const base = { taskId, agentLabel: run.label, strategy: body.strategy, targetBranch };
    let outcome: MergeOutcome;
    try {
      outcome = task.repositoryUrl ? await this.mergeIntoRemote(task, request) : await this.mergeRetryingMovedTarget(request);
    } catch (error) {
      // A refused auto merge is part of the task's history too; it changed nothing, so no event.
      if (error instanceof MergeConflictError) {
        const conflicts = error.conflicts;
        await this.deps.merges.insert({ id: randomUUID(), ...base, status: 'conflicts', commitSha: null, reviewBranch: null, conflicts });
      }
      throw error;
    }
    const fields = {
      id: randomUUID(),
      ...base,
      status: outcome.status,
      commitSha: outcome.commit,
      reviewBranch: outcome.status === 'manual' ? outcome.reviewBranch : null,
      conflicts: outcome.conflicts,
    };
    // A merge that found the attempt already in the target (a concurrent request merged it first)
    // changed nothing: recorded, but it is not a second merge.completed.
    if (outcome.status === 'merged' && outcome.alreadyUpToDate) return { record: await this.deps.merges.insert(fields), outcome };
    const record = await this.deps.events.transaction(task.id, async (tx, recordEvents) => {
      const stored = await this.deps.merges.insert(fields, tx);
      await recordEvents([
        {
          type: 'merge.completed',
          agentLabel: run.label,
          data: {
            mergeId: stored.id,
            strategy: stored.strategy,
            status: stored.status,
            targetBranch,
            commit: stored.commitSha,
            reviewBranch: stored.reviewBranch,
            squash: body.squash,
            conflicts: stored.conflicts.map((entry) => ({ path: entry.path, kind: entry.kind })),
          },
        },
      ]);
      return stored;
    });
    return { record, outcome };
  }

  async diff(taskId: string, query: { agent?: string | undefined }): Promise<AttemptDiff & { taskId: string; agent: string; branch: string }> {
    const { task, run } = await selectAttempt(this.deps, taskId, query.agent, { finished: false });
    const diff = await this.deps.diffs.diff({ repoPath: task.repositoryPath, baseCommit: task.baseCommit, branch: run.branch });
    return { taskId, agent: run.label, branch: run.branch, ...diff };
  }

  discard(taskId: string): Promise<DiscardResult & { taskId: string }> {
    return discardTask(this.deps, taskId);
  }

  async history(taskId: string): Promise<MergeRecord[]> {
    await loadTask(this.deps, taskId);
    return this.deps.merges.forTask(taskId);
  }

  /**
   * A URL task's merge is made in the mirror and then pushed without force: the remote branch
   * moves only if it still points where the merge started. When it moved, `auto` fetches and
   * tries once more (it still refuses conflicts); other strategies answer 409.
   */
  private async mergeIntoRemote(task: TaskRecord, request: MergeRequest): Promise<MergeOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.mergeRetryingMovedTarget(request);
      if (outcome.status === 'manual') {
        const push = await this.deps.remotes.pushAttemptBranch(task, outcome.reviewBranch);
        if (!push.pushed) throw new Refusal('conflict', 'push_failed', `${push.message}; the review branch is in the service's mirror only`);
        return outcome;
      }
      if (outcome.alreadyUpToDate || (await this.deps.remotes.pushMergedBranch(task, request.targetBranch)) === 'pushed') return outcome;
      if (request.strategy !== 'auto' || attempt >= 2) {
        throw new Refusal(
          'conflict',
          'target_moved',
          `branch ${request.targetBranch} of ${task.repositoryUrl} moved while merging, so the remote refused the push; nothing was changed there, merge again`,
          { targetBranch: request.targetBranch },
        );
      }
      await this.deps.remotes.sync(task);
    }
  }

  private async mergeRetryingMovedTarget(request: MergeRequest): Promise<MergeOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.deps.strategies.merge(request);
      } catch (error) {
        if (!(error instanceof TargetMovedError) || attempt >= targetMovedRetries) throw error;
      }
    }
  }
}

function defaultMessage(task: TaskRecord, run: AttemptRecord): string {
  const summary = task.description.split('\n', 1)[0]!.slice(0, 72);
  return `Merge ${run.label} (${run.agent}): ${summary}\n\nKage Bunshin task ${task.id} (${taskShortId(task.id)}), branch ${run.branch}.`;
}
