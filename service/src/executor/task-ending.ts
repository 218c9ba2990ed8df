/**
 * The end of a task, in one place. An attempt's end is recorded here, and in that transaction,
 * with the task's row locked, the task's next step is decided: it runs on (an attempt is still
 * open, or a cascade's next tier was just enqueued), its judge is due, or it ends ranked (or
 * cancelled). Attempts ending at once on different instances queue on the lock, so exactly one
 * of them ends the task. What waits on the network or an agent comes after the commit, as its
 * own step: the judge's CLI (task-judge.ts), and the winner's push, enqueued here and run from
 * the queue (winner-push.ts), so neither holds the task's row or a database connection while it waits.
 */
import { retryWhileUnavailable } from '../db/database-unavailable.ts';
import type { Queryable } from '../db/db.ts';
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventRecorder, EventStore } from '../events/event-store.ts';
import type { Logger } from '../logger.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import type { AttemptEnding } from './attempt-ending.ts';
import { judgeCandidates, type Judgement } from './judge-verdict.ts';
import { notStarted, StrategySteps } from './strategies.ts';
import type { TaskJudge } from './task-judge.ts';
import { rankedResult } from './task-result.ts';

export interface TaskEndingDeps {
  tasks: TaskRepository;
  events: EventStore;
  logger: Logger;
  /** Where a cascade's next tier and a winner's push are enqueued. */
  queue?: TaskQueue | undefined;
  /** Orders the attempts of a task that asks for a judge. */
  judge?: TaskJudge | undefined;
}

/** What follows an attempt's end once it is stored. */
type NextStep = 'runs_on' | 'judge' | 'ended';

export class TaskEnding {
  private readonly deps: TaskEndingDeps;
  private readonly strategies: StrategySteps;

  constructor(deps: TaskEndingDeps) {
    this.deps = deps;
    this.strategies = new StrategySteps(deps);
  }

  /**
   * Stores an attempt's end with its events and decides the task's next step in the same
   * transaction; then judges when that is the step. Retried while the
   * database is unavailable. `signal` stops the judge (a shutdown hands it to the next start).
   */
  async attemptEnded(taskId: string, label: string, ending: AttemptEnding, signal: AbortSignal): Promise<void> {
    const next = await retryWhileUnavailable(
      () =>
        this.deps.events.transaction(taskId, async (tx, record) => {
          await this.deps.tasks.lock(tx, taskId);
          await this.deps.tasks.attempts.update(taskId, label, ending.fields, tx);
          await record(ending.events);
          return this.decide(tx, record, taskId);
        }),
      { onWait: (error) => this.deps.logger.warn({ err: error }, "database unavailable: waiting to store the attempt's end") },
    );
    if (next === 'judge') await this.judgeAndEnd(taskId, signal);
  }

  /**
   * For an attempt job that finds its attempt ended already (a job run twice, or one whose
   * instance died while judging): the judge may still be due.
   */
  async resume(taskId: string, signal: AbortSignal): Promise<void> {
    await this.judgeAndEnd(taskId, signal);
  }

  private async decide(tx: Queryable, record: EventRecorder, taskId: string): Promise<NextStep> {
    const before = await this.deps.tasks.get(taskId, tx);
    if (before?.status !== 'running') return 'runs_on';
    // A race won, or a cascade's tier over: the strategy's step, before the end is decided.
    if (!before.cancelRequested) await this.strategies.step(tx, record, before, await this.attemptsOf(taskId, tx));
    const task = (await this.deps.tasks.get(taskId, tx))!;
    const runs = await this.attemptsOf(taskId, tx);
    if (stillOpen(task, runs)) return 'runs_on';
    if (task.cancelRequested) return this.endCancelled(tx, record, taskId);
    if (judgeCandidates(task, runs).length > 0) return 'judge';
    return this.endRanked(tx, record, task, runs);
  }

  /** Runs the judge when the task waits for it (and this instance wins the claim), then ends the task. */
  private async judgeAndEnd(taskId: string, signal: AbortSignal): Promise<void> {
    const { tasks, judge } = this.deps;
    const task = await tasks.get(taskId);
    if (!judge || task?.status !== 'running' || !task.config.judge || task.cancelRequested) return;
    const runs = await this.attemptsOf(taskId);
    const candidates = judgeCandidates(task, runs);
    if (stillOpen(task, runs) || candidates.length === 0) return;
    if (!(await tasks.claimJudging(taskId, task.config.judge.timeoutSeconds + 60))) return;
    const judgement = await judge.judge(task, runs, candidates, signal);
    // Stopped by a shutdown: the task is judged again after the restart (its attempt job comes back).
    if (signal.aborted && signal.reason === 'shutdown') return tasks.releaseJudging(taskId);
    await this.deps.events.transaction(taskId, async (tx, record): Promise<NextStep> => {
      await tasks.lock(tx, taskId);
      const current = await tasks.get(taskId, tx);
      const now = await this.attemptsOf(taskId, tx);
      if (current?.status !== 'running' || stillOpen(current, now)) return 'runs_on';
      if (current.cancelRequested) return this.endCancelled(tx, record, taskId);
      return this.endRanked(tx, record, current, now, judgement);
    });
  }

  private async endCancelled(tx: Queryable, record: EventRecorder, taskId: string): Promise<NextStep> {
    // A cascade's tiers that never started end with it.
    await this.deps.tasks.attempts.cancelPending(tx, taskId);
    const finished = await this.deps.tasks.finish(tx, taskId, { status: 'cancelled', winnerLabel: null, result: { winner: null, ranking: [] }, error: 'cancelled by request' });
    if (finished) await record([{ type: 'task.cancelled', data: { status: 'cancelled', totalCostUsd: finished.totalCostUsd } }]);
    return 'ended';
  }

  private async endRanked(tx: Queryable, record: EventRecorder, task: TaskRecord, runs: readonly AttemptRecord[], judgement?: Judgement): Promise<NextStep> {
    const ended = rankedResult(task, runs, judgement);
    for (const [label, score] of ended.scores) await this.deps.tasks.attempts.update(task.id, label, { score: { ...score } }, tx);
    const finished = await this.deps.tasks.finish(tx, task.id, {
      status: ended.status,
      winnerLabel: ended.winnerLabel,
      result: ended.result,
      error: ended.error,
      extraCostUsd: judgement?.costUsd ?? 0,
    });
    if (!finished) return 'ended';
    await record([{ type: finished.status === 'completed' ? 'task.completed' : 'task.failed', data: { status: finished.status, totalCostUsd: finished.totalCostUsd, ...ended.eventData } }]);
    // Its push is enqueued with the end, for the instance whose mirror holds the branch.
    const winner = runs.find((run) => run.label === ended.winnerLabel);
    if (task.pushMode === 'winner' && winner?.worker && (await this.deps.queue?.enqueuePush(tx, winner.worker, task.id)) === 'no_queue') {
      await record([{ type: 'push.completed', agentLabel: winner.label, data: { status: 'failed', branch: winner.branch, message: `not pushed: the instance that ran ${winner.label} (${winner.worker}) takes no pushes; once it is upgraded, POST /tasks/${task.id}/push` } }]);
    }
    return 'ended';
  }

  private async attemptsOf(taskId: string, tx?: Queryable): Promise<AttemptRecord[]> {
    return (await this.deps.tasks.attempts.ofTasks([taskId], tx)).get(taskId) ?? [];
  }
}

/** Whether an attempt still holds the task open: one pending or running (a cascade's tiers not yet started do not). */
function stillOpen(task: TaskRecord, runs: readonly AttemptRecord[]): boolean {
  const waiting = notStarted(task, runs);
  return runs.some((run) => (run.status === 'pending' || run.status === 'running') && !waiting.has(run.label));
}
