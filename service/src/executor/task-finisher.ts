/**
 * The end of a task, decided by its last attempt: inside the transaction that records an
 * attempt's end, with the task's row locked, the attempt that finds no other attempt still
 * pending or running ranks them all and stores the task's end and its event. Attempts ending at
 * once on different instances queue on the lock, so exactly one of them ends the task. Nothing
 * here waits on the network: a winner to push is handed back, pushed after the commit
 * (winner-push.ts).
 */
import type { Queryable } from '../db/db.ts';
import type { AttemptRecord, TaskRecord, TaskRepository } from '../db/task-repository.ts';
import type { EventRecorder } from '../events/event-store.ts';
import type { WinnerToPush } from './winner-push.ts';
import { type AttemptFacts, rankAttempts } from './scoring.ts';
import { judgeCandidates, type Judgement } from './judge-verdict.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import { notStarted, raceState, StrategySteps, strategyResult } from './strategies.ts';

export class TaskFinisher {
  private readonly tasks: TaskRepository;
  private readonly strategies: StrategySteps;

  /** `queue`: where a cascade's next tier is enqueued (strategies.ts). */
  constructor(deps: { tasks: TaskRepository; queue?: TaskQueue | undefined }) {
    this.tasks = deps.tasks;
    this.strategies = new StrategySteps(deps);
  }

  /** The task and its attempts, and whether any still holds the task open (a cascade's tiers not yet started do not). */
  private async read(tx: Queryable, taskId: string) {
    const task = await this.tasks.get(taskId, tx);
    const runs = (await this.tasks.attemptsOf([taskId], tx)).get(taskId) ?? [];
    const waiting = task ? notStarted(task, runs) : new Set<string>();
    const open = runs.some((run) => (run.status === 'pending' || run.status === 'running') && !waiting.has(run.label));
    return { task, runs, open };
  }

  /**
   * Called with the task's row locked, after an attempt's end was written in `tx`. Returns the
   * winner to push once the transaction has committed, when the task ended with one to push.
   */
  async afterAttemptEnded(tx: Queryable, record: EventRecorder, taskId: string): Promise<WinnerToPush | undefined> {
    const before = await this.tasks.get(taskId, tx);
    if (before?.status !== 'running') return;
    // A race won, or a cascade's tier over: the strategy's step (strategies.ts), before the end is decided.
    if (!before.cancelRequested) await this.strategies.step(tx, record, before, (await this.tasks.attemptsOf([taskId], tx)).get(taskId) ?? []);
    const { task, runs, open } = await this.read(tx, taskId);
    if (!task || open) return;
    if (task.cancelRequested) {
      await this.endCancelled(tx, record, taskId);
      return undefined;
    }
    // Attempts the judge must order first: the task ends once it has (task-judge.ts).
    if (judgeCandidates(task, runs).length > 0) return;
    return this.endRanked(tx, record, task, runs);
  }

  /** The end of a task whose judge has answered (or failed), called with its row locked; the winner to push, as above. */
  async afterJudged(tx: Queryable, record: EventRecorder, taskId: string, judgement: Judgement): Promise<WinnerToPush | undefined> {
    const { task, runs, open } = await this.read(tx, taskId);
    if (task?.status !== 'running' || open) return;
    if (task.cancelRequested) {
      await this.endCancelled(tx, record, taskId);
      return undefined;
    }
    return this.endRanked(tx, record, task, runs, judgement);
  }

  private async endCancelled(tx: Queryable, record: EventRecorder, taskId: string): Promise<void> {
    // A cascade's tiers that never started end with it.
    await this.tasks.cancelPendingRuns(tx, taskId);
    const finished = await this.tasks.finish(tx, taskId, { status: 'cancelled', winnerLabel: null, result: { winner: null, ranking: [] }, error: 'cancelled by request' });
    if (finished) await record([{ type: 'task.cancelled', data: { status: 'cancelled', totalCostUsd: finished.totalCostUsd } }]);
  }

  private async endRanked(tx: Queryable, record: EventRecorder, task: TaskRecord, runs: readonly AttemptRecord[], judgement?: Judgement): Promise<WinnerToPush | undefined> {
    const ranking = rankAttempts(
      runs.map((run) => ({
        ...judgedFacts(run.label, judgement),
        label: run.label,
        position: run.position,
        succeeded: run.status === 'succeeded',
        verifyConfigured: task.config.verify !== undefined,
        verifyPassed: (run.verify as { passed?: boolean } | null)?.passed,
        protectedChanged: (run.verify as { protectedChanged?: string[] } | null)?.protectedChanged ?? [],
        rounds: (run.verify as { round?: number } | null)?.round ?? 1,
        filesChanged: run.filesChanged.length,
        insertions: run.insertions ?? 0,
        deletions: run.deletions ?? 0,
        costUsd: run.costUsd,
        durationMs: run.startedAt && run.completedAt ? run.completedAt.getTime() - run.startedAt.getTime() : 0,
      })),
    );
    for (const [label, score] of ranking.scores) await this.tasks.updateAttempt(task.id, label, { score: { ...score } }, tx);
    // A race's winner is the first verified attempt, whatever the ranking (kept for the record) says.
    const winnerLabel = raceState(task)?.winner ?? ranking.winner;
    const winner = winnerLabel ? runs.find((run) => run.label === winnerLabel) : undefined;
    const completed = winnerLabel !== null;
    const ordered = [...ranking.scores.entries()].sort((a, b) => a[1].rank - b[1].rank);
    const spent = runs.reduce((sum, run) => sum + (run.costUsd ?? 0), 0);
    const result = {
      ...strategyResult(task, runs),
      winner: winnerLabel,
      ranking: ordered.map(([label, score]) => ({ label, ...score })),
      budgetExhausted: task.config.budgetUsd !== undefined && spent >= task.config.budgetUsd,
      ...(judgement ? { judge: judgement } : {}),
    };
    const error = completed ? null : `No attempt succeeded (${runs.map((run) => `${run.label}: ${run.status}`).join(', ')})`;
    const finished = await this.tasks.finish(tx, task.id, {
      status: completed ? 'completed' : 'failed',
      winnerLabel,
      result,
      error,
      extraCostUsd: judgement?.costUsd ?? 0,
    });
    if (!finished) return undefined;
    await record([
      {
        type: completed ? 'task.completed' : 'task.failed',
        data: { status: finished.status, winner: winnerLabel, totalCostUsd: finished.totalCostUsd, ranking: result.ranking, error, ...verifyOutcome(task, runs, winnerLabel) },
      },
    ]);
    return task.pushMode === 'winner' && winner ? { task, label: winner.label, branch: winner.branch } : undefined;
  }
}

/**
 * Whether the work can be trusted, said plainly in the terminal event: a winner picked without
 * passing the task's verify command must not look like a tested result.
 */
function verifyOutcome(task: TaskRecord, runs: readonly AttemptRecord[], winner: string | null) {
  const command = task.config.verify?.command;
  if (!command) return { winnerPassedVerify: null, verifiedAttempts: [], warning: null };
  const passed = (run: AttemptRecord) => (run.verify as { passed?: boolean } | null)?.passed === true;
  const verifiedAttempts = runs.filter(passed).map((run) => run.label);
  const winnerPassedVerify = winner === null ? null : verifiedAttempts.includes(winner);
  const warning =
    winnerPassedVerify !== false
      ? null
      : `${verifiedAttempts.length === 0 ? 'No attempt passed verify' : `The winner did not pass verify (${verifiedAttempts.join(', ')} did)`} ` +
        `(\`${command.join(' ')}\`): the winner ${winner} is untested; merging it or opening a pull request needs allowUnverified: true`;
  return { winnerPassedVerify, verifiedAttempts, warning };
}

/** What the judge said of one attempt, for the ranking. */
function judgedFacts(label: string, judgement: Judgement | undefined): Pick<AttemptFacts, 'judged' | 'judgeError'> {
  if (!judgement?.candidates.includes(label)) return {};
  if (judgement.error !== null) return { judgeError: judgement.error };
  const verdict = judgement.verdicts.find((entry) => entry.label === label);
  return { judged: { place: judgement.order.indexOf(label), confidence: verdict?.confidence, reason: verdict?.reason } };
}
