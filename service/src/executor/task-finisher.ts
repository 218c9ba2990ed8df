/**
 * The end of a task, decided by its last attempt: inside the transaction that records an
 * attempt's end, with the task's row locked, the attempt that finds no other attempt still
 * pending or running ranks them all and stores the task's end and its event. Attempts ending at
 * once on different instances queue on the lock, so exactly one of them ends the task. Nothing
 * here waits on the network: a winner to push is handed back, pushed after the commit
 * (winner-push.ts).
 */
import type { Queryable } from '../db/db.ts';
import type { AgentRunRecord, TaskRecord, TaskRepository } from '../db/task-repository.ts';
import type { EventRecorder } from '../events/event-store.ts';
import type { WinnerToPush } from './winner-push.ts';
import { type AttemptFacts, rankAttempts } from './scoring.ts';
import { judgeCandidates, type Judgement } from './judge-verdict.ts';

export class TaskFinisher {
  private readonly tasks: TaskRepository;

  constructor(deps: { tasks: TaskRepository }) {
    this.tasks = deps.tasks;
  }

  /**
   * Called with the task's row locked, after an attempt's end was written in `tx`. Returns the
   * winner to push once the transaction has committed, when the task ended with one to push.
   */
  async afterAttemptEnded(tx: Queryable, record: EventRecorder, taskId: string): Promise<WinnerToPush | undefined> {
    const task = await this.tasks.get(taskId, tx);
    if (task?.status !== 'running') return;
    const runs = (await this.tasks.agentRuns([taskId], tx)).get(taskId) ?? [];
    if (runs.some((run) => run.status === 'pending' || run.status === 'running')) return;
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
    const task = await this.tasks.get(taskId, tx);
    if (task?.status !== 'running') return;
    const runs = (await this.tasks.agentRuns([taskId], tx)).get(taskId) ?? [];
    if (runs.some((run) => run.status === 'pending' || run.status === 'running')) return;
    if (task.cancelRequested) {
      await this.endCancelled(tx, record, taskId);
      return undefined;
    }
    return this.endRanked(tx, record, task, runs, judgement);
  }

  private async endCancelled(tx: Queryable, record: EventRecorder, taskId: string): Promise<void> {
    const finished = await this.tasks.finish(tx, taskId, { status: 'cancelled', winnerLabel: null, result: { winner: null, ranking: [] }, error: 'cancelled by request' });
    if (finished) await record([{ type: 'task.cancelled', data: { status: 'cancelled', totalCostUsd: finished.totalCostUsd } }]);
  }

  private async endRanked(tx: Queryable, record: EventRecorder, task: TaskRecord, runs: readonly AgentRunRecord[], judgement?: Judgement): Promise<WinnerToPush | undefined> {
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
    for (const [label, score] of ranking.scores) await this.tasks.updateAgentRun(task.id, label, { score: { ...score } }, tx);
    const winner = ranking.winner ? runs.find((run) => run.label === ranking.winner) : undefined;
    const completed = ranking.winner !== null;
    const ordered = [...ranking.scores.entries()].sort((a, b) => a[1].rank - b[1].rank);
    const spent = runs.reduce((sum, run) => sum + (run.costUsd ?? 0), 0);
    const result = {
      winner: ranking.winner,
      ranking: ordered.map(([label, score]) => ({ label, ...score })),
      budgetExhausted: task.config.budgetUsd !== undefined && spent >= task.config.budgetUsd,
      ...(judgement ? { judge: judgement } : {}),
    };
    const error = completed ? null : `No attempt succeeded (${runs.map((run) => `${run.label}: ${run.status}`).join(', ')})`;
    const finished = await this.tasks.finish(tx, task.id, {
      status: completed ? 'completed' : 'failed',
      winnerLabel: ranking.winner,
      result,
      error,
      extraCostUsd: judgement?.costUsd ?? 0,
    });
    if (!finished) return undefined;
    await record([
      {
        type: completed ? 'task.completed' : 'task.failed',
        data: { status: finished.status, winner: ranking.winner, totalCostUsd: finished.totalCostUsd, ranking: result.ranking, error, ...verifyOutcome(task, runs, ranking.winner) },
      },
    ]);
    return task.pushMode === 'winner' && winner ? { task, label: winner.label, branch: winner.branch } : undefined;
  }
}

/**
 * Whether the work can be trusted, said plainly in the terminal event: a winner picked without
 * passing the task's verify command must not look like a tested result.
 */
function verifyOutcome(task: TaskRecord, runs: readonly AgentRunRecord[], winner: string | null) {
  const command = task.config.verify?.command;
  if (!command) return { winnerPassedVerify: null, verifiedAttempts: [], warning: null };
  const passed = (run: AgentRunRecord) => (run.verify as { passed?: boolean } | null)?.passed === true;
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
