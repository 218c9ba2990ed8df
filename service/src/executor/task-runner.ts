import { killTagged, taskTagPrefix } from '../agents/process-tag.ts';
import { retryWhileUnavailable } from '../db/database-unavailable.ts';
import type { TaskRecord, TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import type { Logger } from '../logger.ts';
import { type AttemptResult, type AttemptRunner, pushEvent, type StopReason } from './attempt-runner.ts';
import { BudgetTracker } from './budget-tracker.ts';
import { rankAttempts } from './scoring.ts';
import { attemptBranch } from '../git/attempt-branch.ts';
import type { WorktreeManager } from '../git/worktree-manager.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';

export interface TaskRunnerDeps {
  tasks: TaskRepository;
  events: EventStore;
  attempts: AttemptRunner;
  worktrees: WorktreeManager;
  remotes: TaskRemotes;
  logger: Logger;
}

/**
 * Runs one task from the queue: every attempt in parallel, then ranking and the end state.
 * A task found `running` was interrupted by a crash: its attempts start again from the base
 * commit; the events already stored stay, and the re-run's events follow them.
 */
export class TaskRunner {
  private readonly deps: TaskRunnerDeps;

  constructor(deps: TaskRunnerDeps) {
    this.deps = deps;
  }

  /** `stop` aborts with a StopReason: 'cancelled' ends the task, 'shutdown' leaves it for the next worker. */
  async run(taskId: string, stop: AbortSignal): Promise<void> {
    const { tasks, events, logger } = this.deps;
    const task = await tasks.get(taskId);
    if (!task || !['pending', 'running'].includes(task.status)) return;
    const rerun = task.status === 'running';
    if (rerun) {
      // The interrupted run's agents may still be running (their service was killed): stop them
      // before the re-run's worktrees exist, or they would write into those.
      const killed = await killTagged((tag) => tag.startsWith(taskTagPrefix(taskId)));
      if (killed > 0) logger.warn({ taskId, killed }, "stopped the interrupted run's agent processes");
      await this.resetAttempts(task);
    }
    const started = await events.transaction(taskId, async (tx, record) => {
      const running = await tasks.markRunning(tx, taskId);
      if (running) await record([{ type: 'task.started', data: { rerun, agents: task.config.agents.map((agent) => agent.label) } }]);
      return running;
    });
    if (!started) return;
    if (started.cancelRequested) return this.finishCancelled(taskId);
    if (started.repositoryUrl) {
      // Attempts start from the remote's commits: bring this machine's mirror up to date first.
      const fetchError = await this.deps.remotes.sync(started).then(
        () => undefined,
        (error: unknown) => (error as Error).message,
      );
      if (fetchError) return this.finishUnfetched(taskId, fetchError);
    }

    const attemptsStop = new AbortController();
    const forward = () => attemptsStop.abort(stop.reason as StopReason);
    if (stop.aborted) forward();
    stop.addEventListener('abort', forward, { once: true });
    const budget = new BudgetTracker(task.config.budgetUsd, () => attemptsStop.abort('budget' satisfies StopReason));
    let results: AttemptResult[];
    try {
      results = await Promise.all(
        task.config.agents.map((spec, position) => this.deps.attempts.run(started, spec, position, budget, attemptsStop.signal)),
      );
    } finally {
      stop.removeEventListener('abort', forward);
      await this.deps.worktrees.removeTaskFolder(taskId);
    }
    if (stop.aborted && stop.reason === 'shutdown') {
      logger.info({ taskId }, 'service stopping: task left for the next worker');
      return;
    }
    // Storing the end waits out a database outage: the attempts' work is done and must not be redone.
    const wait = (error: unknown) => logger.warn({ err: error, taskId }, 'database unavailable: waiting to store the task end');
    if (stop.aborted && stop.reason === 'cancelled') return retryWhileUnavailable(() => this.finishCancelled(taskId), { onWait: wait });
    await retryWhileUnavailable(() => this.finishRanked(task, results, budget), { onWait: wait });
  }

  private async finishRanked(task: TaskRecord, results: AttemptResult[], budget: BudgetTracker): Promise<void> {
    const { tasks, events } = this.deps;
    const ranking = rankAttempts(
      results.map((result) => ({
        label: result.label,
        position: result.position,
        succeeded: result.status === 'succeeded',
        verifyConfigured: task.config.verify !== undefined,
        verifyPassed: result.verify?.passed,
        filesChanged: result.filesChanged,
        insertions: result.insertions,
        deletions: result.deletions,
        costUsd: result.costUsd,
        durationMs: result.durationMs,
      })),
    );
    for (const [label, score] of ranking.scores) await tasks.updateAgentRun(task.id, label, { score: { ...score } });
    if (task.pushMode === 'winner' && ranking.winner) await this.pushWinner(task, ranking.winner);
    const completed = ranking.winner !== null;
    const ordered = [...ranking.scores.entries()].sort((a, b) => a[1].rank - b[1].rank);
    const result = {
      winner: ranking.winner,
      ranking: ordered.map(([label, score]) => ({ label, ...score })),
      budgetExhausted: budget.isExhausted,
    };
    const error = completed ? null : `No attempt succeeded (${results.map((r) => `${r.label}: ${r.status}`).join(', ')})`;
    await events.transaction(task.id, async (tx, record) => {
      const finished = await tasks.finish(tx, task.id, { status: completed ? 'completed' : 'failed', winnerLabel: ranking.winner, result, error });
      if (!finished) return;
      await record([
        {
          type: completed ? 'task.completed' : 'task.failed',
          data: { status: finished.status, winner: ranking.winner, totalCostUsd: finished.totalCostUsd, ranking: result.ranking, error },
        },
      ]);
    });
  }

  private async pushWinner(task: TaskRecord, winner: string): Promise<void> {
    const push = await this.deps.remotes.pushAttemptBranch(task, attemptBranch(task.id, winner));
    await this.deps.events.append(task.id, pushEvent(winner, push));
  }

  /** The remote could not be fetched: no attempt could start, so none ran. */
  private async finishUnfetched(taskId: string, reason: string): Promise<void> {
    const error = `could not fetch the repository: ${reason}`;
    await this.deps.events.transaction(taskId, async (tx, record) => {
      await this.deps.tasks.cancelRuns(tx, taskId, ['pending'], true);
      const finished = await this.deps.tasks.finish(tx, taskId, { status: 'failed', winnerLabel: null, result: { winner: null, ranking: [] }, error });
      if (finished) await record([{ type: 'task.failed', data: { status: 'failed', totalCostUsd: finished.totalCostUsd, error } }]);
    });
  }

  private async finishCancelled(taskId: string): Promise<void> {
    const { tasks, events } = this.deps;
    await events.transaction(taskId, async (tx, record) => {
      await tasks.cancelRuns(tx, taskId, ['pending', 'running'], true);
      const finished = await tasks.finish(tx, taskId, { status: 'cancelled', winnerLabel: null, result: { winner: null, ranking: [] }, error: 'cancelled by request' });
      if (finished) await record([{ type: 'task.cancelled', data: { status: 'cancelled', totalCostUsd: finished.totalCostUsd } }]);
    });
  }

  /** Before a re-run: the interrupted attempts' worktrees go; their rows start over. */
  private async resetAttempts(task: TaskRecord): Promise<void> {
    for (const spec of task.config.agents) {
      await this.deps.worktrees.remove(task.repositoryPath, this.deps.worktrees.worktreePath(task.id, spec.label)).catch(() => {});
    }
    await this.deps.tasks.resetRuns(task.id);
  }
}
