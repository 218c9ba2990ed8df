/**
 * Which attempt a merge, diff or conflict check is about, and which branch it merges into:
 * the label asked for or the winner (`best`), the target asked for or the branch the task
 * started from. Each refusal says what to ask for instead.
 */
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import { isServiceBranch } from '../git/attempt-branch.ts';
import { branchHead, currentBranch } from '../git/repository.ts';
import { Refusal } from '../refusal.ts';
import { TaskNotFoundError } from '../tasks/task-errors.ts';
import type { TaskWithRuns } from '../tasks/task-service.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';
import { NotVerifiedError, type VerifySummary } from './merge-errors.ts';

/** Where tasks are read from, and how a URL task's repository is reached on this machine. */
export interface TaskSource {
  tasks: TaskRepository;
  remotes: TaskRemotes;
}

/** The task and its attempts; a URL task's repository is this machine's mirror of it. */
export async function loadTask(source: TaskSource, taskId: string): Promise<TaskWithRuns> {
  const task = await source.tasks.get(taskId);
  if (!task) throw new TaskNotFoundError(taskId);
  const runs = (await source.tasks.attempts.ofTasks([taskId])).get(taskId) ?? [];
  return { task: source.remotes.onThisMachine(task), runs };
}

export function isUnfinished(task: TaskRecord): boolean {
  return task.status === 'pending' || task.status === 'running';
}

/** The attempt named by `agent` (a label, or `best`/absent for the winner) with its branch committed. */
export async function selectAttempt(
  source: TaskSource,
  taskId: string,
  agent: string | undefined,
  options: { finished: boolean },
): Promise<TaskWithRuns & { run: AttemptRecord }> {
  const { task, runs } = await loadTask(source, taskId);
  if (options.finished && isUnfinished(task)) {
    throw new Refusal('conflict', 'task_not_finished', `Task ${taskId} is ${task.status}; wait until it ends`);
  }
  const label = agent && agent !== 'best' ? agent : task.winnerLabel;
  if (!label && runs.every((r) => r.status !== 'succeeded')) {
    const why = isUnfinished(task) ? ` yet (the task is ${task.status}): wait for one, or name an attempt's label` : '; nothing to merge';
    throw new Refusal('conflict', 'no_attempt_succeeded', `Task ${taskId}: no attempt succeeded${why}`, {
      attempts: runs.map((r) => ({ label: r.label, status: r.status, error: r.error })),
    });
  }
  if (!label) {
    throw new Refusal('conflict', 'no_winner', `Task ${taskId} has no winning attempt; name an agent label`, { labels: runs.map((r) => r.label) });
  }
  const run = runs.find((candidate) => candidate.label === label);
  if (!run) {
    throw new Refusal('not_found', 'agent_not_found', `Task ${taskId} has no attempt labelled '${label}'`, { labels: runs.map((r) => r.label) });
  }
  if (!run.headCommit) throw new Refusal('conflict', 'attempt_not_finished', `Attempt ${label} of task ${taskId} has no committed result yet`);
  if ((await branchHead(task.repositoryPath, run.branch)) === null && !(await fetchedFromRemote(source, task, run))) {
    throw new Refusal('conflict', 'attempt_discarded', `Branch ${run.branch} of attempt ${label} no longer exists (discarded?)`);
  }
  return { task, runs, run };
}

/**
 * An attempt of a URL task that ran on another machine is in that machine's mirror: it is
 * fetched from the remote here, which has it when it was pushed. Not pushed, it cannot be
 * reached from here, and the refusal says where it is.
 */
async function fetchedFromRemote(source: TaskSource, task: TaskRecord, run: AttemptRecord): Promise<boolean> {
  if (!task.repositoryUrl) return false;
  if (await source.remotes.fetchAttemptBranch(task, run.branch)) return true;
  if (task.pushMode === 'winner' && task.winnerLabel === run.label) {
    throw new Refusal(
      'conflict',
      'winner_not_pushed',
      `Attempt ${run.label} ran on ${run.worker ?? 'another instance'} and its push has not reached the remote: wait for the task's push.completed event, or when it says failed ask again with POST /tasks/${task.id}/push`,
      { worker: run.worker },
    );
  }
  if (task.pushMode === 'none' || task.pushMode === 'winner') {
    throw new Refusal(
      'conflict',
      'attempt_on_other_worker',
      `Attempt ${run.label} ran on ${run.worker ?? 'another instance'} and its branch was not pushed (push: ${task.pushMode}); ask that instance, or submit with push: attempts`,
      { worker: run.worker },
    );
  }
  return false;
}

/**
 * Untested work goes nowhere unasked: when the task has a verify command, the attempt must have
 * passed it, unless the caller allows it (a person who read the failure, say).
 */
export function requireVerified(task: TaskRecord, runs: readonly AttemptRecord[], run: AttemptRecord, allowUnverified: boolean): void {
  // A verify result on any attempt counts as a verify command too, wherever it was configured.
  const verified = task.config.verify !== undefined || runs.some((candidate) => verifyOf(candidate) !== null);
  if (!verified || allowUnverified || verifyOf(run)?.passed === true) return;
  const passedBy = runs.filter((candidate) => verifyOf(candidate)?.passed === true).map((candidate) => candidate.label);
  throw new NotVerifiedError(task.id, run.label, task.config.verify?.command ?? ['(its verify command)'], verifyOf(run), passedBy);
}

function verifyOf(run: AttemptRecord): VerifySummary | null {
  const verify = run.verify as Partial<VerifySummary> | null;
  if (typeof verify?.passed !== 'boolean') return null;
  return { passed: verify.passed, exitCode: verify.exitCode ?? null, timedOut: verify.timedOut === true };
}

/** The requested target, else the branch the task started from (its base ref, or HEAD's branch). */
export async function targetBranchOf(task: TaskRecord, requested: string | undefined): Promise<string> {
  const target = requested || (await defaultTargetOf(task));
  // An attempt's branch is that attempt's result: merging into it would change another task's (or this one's) attempt.
  if (isServiceBranch(target)) {
    throw new Refusal(
      'invalid',
      'target_is_attempt_branch',
      `'${target}' is an attempt branch of Kage Bunshin (kage/…), which no merge or pull request may change; ${requested ? 'name' : 'give targetBranch,'} a branch of your own`,
      { targetBranch: target },
    );
  }
  return target;
}

async function defaultTargetOf(task: TaskRecord): Promise<string> {
  const baseRef = task.baseRef.replace(/^refs\/heads\//, '');
  if (baseRef !== 'HEAD' && (await branchHead(task.repositoryPath, baseRef)) !== null) return baseRef;
  const current = baseRef === 'HEAD' ? await currentBranch(task.repositoryPath) : null;
  if (current) return current;
  throw new Refusal('invalid', 'target_branch_required', `Task ${task.id} started from '${task.baseRef}', which is not a branch; give targetBranch`);
}
