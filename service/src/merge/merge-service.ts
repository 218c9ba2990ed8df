/**
 * The merge operations the API offers on a task: conflict check, merge, diff, discard and the
 * merge history. Picks the attempt (a label, or the winner for `best`), defaults the target to
 * the branch the task started from, records every merge and emits `merge.completed`.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, HttpError, notFound } from '../api/http-error.ts';
import type { Db } from '../db/db.ts';
import type { AgentRunRecord, TaskRecord, TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import type { RepoLock } from '../executor/repo-lock.ts';
import { taskShortId, type WorktreeManager } from '../executor/worktree-manager.ts';
import { branchHead, currentBranch } from '../git/repository.ts';
import { type ConflictCheck, ConflictDetector } from './conflict-detector.ts';
import { type AttemptDiff, DiffReader } from './diff-reader.ts';
import { discardAttempts, type DiscardResult } from './discard.ts';
import { MergeConflictError, TargetMovedError } from './merge-errors.ts';
import { MergeExecutor, type MergeOutcome, type MergeRequest, mergeReviewBranch, type MergeStrategy } from './merge-executor.ts';
import { type MergeRecord, MergeRepository } from './merge-repository.ts';

export interface MergeServiceDeps {
  tasks: TaskRepository;
  events: EventStore;
  merges: MergeRepository;
  executor: MergeExecutor;
  detector: ConflictDetector;
  diffs: DiffReader;
  worktrees: WorktreeManager;
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
}

/** A MergeService with the standard parts, sharing the executor's repository lock. */
export function createMergeService(deps: {
  db: Db;
  tasks: TaskRepository;
  events: EventStore;
  worktrees: WorktreeManager;
  lock: RepoLock;
}): MergeService {
  return new MergeService({
    tasks: deps.tasks,
    events: deps.events,
    worktrees: deps.worktrees,
    merges: new MergeRepository(deps.db),
    executor: new MergeExecutor(deps.lock),
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
    const { task, run } = await this.attempt(taskId, query.agent, { finished: true });
    const targetBranch = await this.targetBranch(task, query.target);
    const check: ConflictCheck = await this.deps.detector.check({ repoPath: task.repositoryPath, sourceBranch: run.branch, targetBranch });
    return { taskId, agent: run.label, sourceBranch: run.branch, targetBranch, ...check };
  }

  async merge(taskId: string, body: TaskMergeRequest): Promise<{ record: MergeRecord; outcome: MergeOutcome }> {
    const { task, run } = await this.attempt(taskId, body.agent, { finished: true });
    if (run.status !== 'succeeded' && !body.force) {
      throw conflict(
        'attempt_not_succeeded',
        `Attempt ${run.label} of task ${taskId} ${run.status === 'failed' ? 'failed' : `ended ${run.status}`}${run.error ? ` (${run.error})` : ''}; to merge it anyway, send force: true`,
        { label: run.label, status: run.status },
      );
    }
    const targetBranch = await this.targetBranch(task, body.targetBranch);
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
      outcome = await this.mergeRetryingMovedTarget(request);
    } catch (error) {
      // A refused auto merge is part of the task's history too; it changed nothing, so no event.
      if (error instanceof MergeConflictError) {
        const conflicts = error.conflicts;
        await this.deps.merges.insert({ id: randomUUID(), ...base, status: 'conflicts', commitSha: null, reviewBranch: null, conflicts });
      }
      throw error;
    }
    const record = await this.deps.merges.insert({
      id: randomUUID(),
      ...base,
      status: outcome.status,
      commitSha: outcome.commit,
      reviewBranch: outcome.status === 'manual' ? outcome.reviewBranch : null,
      conflicts: outcome.conflicts,
    });
    // A merge that found the attempt already in the target (a concurrent request merged it first)
    // changed nothing: recorded, but it is not a second merge.completed.
    if (outcome.status === 'merged' && outcome.alreadyUpToDate) return { record, outcome };
    await this.deps.events.append(task.id, {
      type: 'merge.completed',
      agentLabel: run.label,
      data: {
        mergeId: record.id,
        strategy: record.strategy,
        status: record.status,
        targetBranch,
        commit: record.commitSha,
        reviewBranch: record.reviewBranch,
        squash: body.squash,
        conflicts: record.conflicts.map((entry) => ({ path: entry.path, kind: entry.kind })),
      },
    });
    return { record, outcome };
  }

  async diff(taskId: string, query: { agent?: string | undefined }): Promise<AttemptDiff & { taskId: string; agent: string; branch: string }> {
    const { task, run } = await this.attempt(taskId, query.agent, { finished: false });
    const diff = await this.deps.diffs.diff({ repoPath: task.repositoryPath, baseCommit: task.baseCommit, branch: run.branch });
    return { taskId, agent: run.label, branch: run.branch, ...diff };
  }

  async discard(taskId: string): Promise<DiscardResult & { taskId: string }> {
    const { task, runs } = await this.task(taskId);
    if (task.status === 'pending' || task.status === 'running') {
      throw conflict('task_not_finished', `Task ${taskId} is ${task.status}; cancel it before discarding its attempts`);
    }
    const worktrees = [...new Set(runs.flatMap((run) => (run.worktreePath ? [run.worktreePath] : [])))];
    const branches = runs.flatMap((run) => [run.branch, mergeReviewBranch(task.id, run.label)]);
    const result = await discardAttempts(this.deps.worktrees, { repoPath: task.repositoryPath, worktrees, branches });
    for (const run of runs) {
      if (run.worktreePath) await this.deps.tasks.updateAgentRun(task.id, run.label, { worktreePath: null });
    }
    return { taskId, ...result };
  }

  async history(taskId: string): Promise<MergeRecord[]> {
    await this.task(taskId);
    return this.deps.merges.forTask(taskId);
  }

  private async mergeRetryingMovedTarget(request: MergeRequest): Promise<MergeOutcome> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.deps.executor.merge(request);
      } catch (error) {
        if (!(error instanceof TargetMovedError) || attempt >= targetMovedRetries) throw error;
      }
    }
  }

  private async task(taskId: string): Promise<{ task: TaskRecord; runs: AgentRunRecord[] }> {
    const task = await this.deps.tasks.get(taskId);
    if (!task) throw notFound('Task', taskId);
    const runs = (await this.deps.tasks.agentRuns([taskId])).get(taskId) ?? [];
    return { task, runs };
  }

  /** The attempt named by `agent` (a label, or `best`/absent for the winner) with its branch committed. */
  private async attempt(taskId: string, agent: string | undefined, options: { finished: boolean }) {
    const { task, runs } = await this.task(taskId);
    if (options.finished && (task.status === 'pending' || task.status === 'running')) {
      throw conflict('task_not_finished', `Task ${taskId} is ${task.status}; wait until it ends`);
    }
    const label = agent && agent !== 'best' ? agent : task.winnerLabel;
    if (!label && runs.every((r) => r.status !== 'succeeded')) {
      throw conflict('no_attempt_succeeded', `Task ${taskId}: no attempt succeeded; nothing to merge`, {
        attempts: runs.map((r) => ({ label: r.label, status: r.status, error: r.error })),
      });
    }
    if (!label) throw conflict('no_winner', `Task ${taskId} has no winning attempt; name an agent label`, { labels: runs.map((r) => r.label) });
    const run = runs.find((candidate) => candidate.label === label);
    if (!run) {
      throw new HttpError(404, 'agent_not_found', `Task ${taskId} has no attempt labelled '${label}'`, { labels: runs.map((r) => r.label) });
    }
    if (!run.headCommit) throw conflict('attempt_not_finished', `Attempt ${label} of task ${taskId} has no committed result yet`);
    if ((await branchHead(task.repositoryPath, run.branch)) === null) {
      throw conflict('attempt_discarded', `Branch ${run.branch} of attempt ${label} no longer exists (discarded?)`);
    }
    return { task, run };
  }

  /** The requested target, else the branch the task started from (its base ref, or HEAD's branch). */
  private async targetBranch(task: TaskRecord, requested: string | undefined): Promise<string> {
    if (requested) return requested;
    const baseRef = task.baseRef.replace(/^refs\/heads\//, '');
    if (baseRef !== 'HEAD' && (await branchHead(task.repositoryPath, baseRef)) !== null) return baseRef;
    const current = baseRef === 'HEAD' ? await currentBranch(task.repositoryPath) : null;
    if (current) return current;
    throw badRequest('target_branch_required', `Task ${task.id} started from '${task.baseRef}', which is not a branch; give targetBranch`);
  }
}

function defaultMessage(task: TaskRecord, run: AgentRunRecord): string {
  const summary = task.description.split('\n', 1)[0]!.slice(0, 72);
  return `Merge ${run.label} (${run.agent}): ${summary}\n\nKage Bunshin task ${task.id} (${taskShortId(task.id)}), branch ${run.branch}.`;
}
