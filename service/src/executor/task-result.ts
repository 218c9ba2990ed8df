/**
 * What a task ends with once its attempts are over (and its judge has answered): each attempt's
 * score, the winner, the result the API shows and the terminal event's data. Reads records and
 * writes nothing: task-ending.ts stores it.
 */
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import type { TaskStatus } from '../model/statuses.ts';
import type { Judgement } from './judge-verdict.ts';
import { type AttemptFacts, type AttemptScore, rankAttempts } from './scoring.ts';
import { raceState, strategyResult } from './strategies.ts';

export interface TaskResult {
  status: Extract<TaskStatus, 'completed' | 'failed'>;
  scores: Map<string, AttemptScore>;
  winnerLabel: string | null;
  result: Record<string, unknown> & { ranking: Array<{ label: string } & AttemptScore> };
  error: string | null;
  /** The terminal event's data, beyond its status and cost. */
  eventData: Record<string, unknown>;
}

export function rankedResult(task: TaskRecord, runs: readonly AttemptRecord[], judgement?: Judgement): TaskResult {
  const ranking = rankAttempts(runs.map((run) => attemptFacts(task, run, judgement)));
  // A race's winner is the first verified attempt, whatever the ranking (kept for the record) says.
  const winnerLabel = raceState(task)?.winner ?? ranking.winner;
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
  return {
    status: completed ? 'completed' : 'failed',
    scores: ranking.scores,
    winnerLabel,
    result,
    error,
    eventData: { winner: winnerLabel, ranking: result.ranking, error, ...verifyOutcome(task, runs, winnerLabel) },
  };
}

function attemptFacts(task: TaskRecord, run: AttemptRecord, judgement: Judgement | undefined): AttemptFacts {
  const verify = run.verify as { passed?: boolean; protectedChanged?: string[]; round?: number } | null;
  return {
    ...judgedFacts(run.label, judgement),
    label: run.label,
    position: run.position,
    succeeded: run.status === 'succeeded',
    verifyConfigured: task.config.verify !== undefined,
    verifyPassed: verify?.passed,
    protectedChanged: verify?.protectedChanged ?? [],
    rounds: verify?.round ?? 1,
    filesChanged: run.filesChanged.length,
    insertions: run.insertions ?? 0,
    deletions: run.deletions ?? 0,
    costUsd: run.costUsd,
    durationMs: run.startedAt && run.completedAt ? run.completedAt.getTime() - run.startedAt.getTime() : 0,
  };
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
