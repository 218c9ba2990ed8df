/**
 * A task's strategy, stepped by task-ending.ts each time an attempt ends (with the task's row
 * locked, in the transaction that records the end):
 * - `race`: the first attempt to pass verify with no protected file changed wins. The others
 *   are told to stop (NOTIFY on RACE_CHANNEL; a pending one ends here without running).
 * - `cascade`: every attempt of every tier exists from the start, `pending`, its tier in the
 *   task's config; only tier 1's jobs are enqueued at start. When a tier's last attempt ends
 *   with none verified, the next tier's jobs are enqueued here (or the tier is skipped when the
 *   budget is spent); once a tier has a verified attempt, the tiers after it end unrun.
 * Where the strategy stands is kept in the task's `result` while it runs (race, cascade), and
 * carried into the result the task ends with. Nothing here waits on the network or git.
 */
import type { Queryable } from '../db/db.ts';
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventRecorder, NewEvent } from '../events/event-store.ts';
import { RACE_CHANNEL, type TaskQueue } from '../queue/task-queue.ts';
import { rankAttempts } from './scoring.ts';

export interface RaceState {
  winner: string;
  verifiedAfterMs: number;
  cancelled?: Array<{ label: string; costUsd: number | null }>;
  cancelledCostUsd?: number;
}

type TierOutcome = 'pending' | 'running' | 'passed' | 'failed' | 'skipped' | 'not_needed';

export interface CascadeState {
  tier: number;
  passedTier?: number | null;
  tiers: Array<{ tier: number; agents: string[]; outcome: TierOutcome }>;
}

/** Passed verify with its protected files untouched: what stops a race or a cascade. */
export function isVerified(run: AttemptRecord): boolean {
  const verify = run.verify as { passed?: boolean; protectedChanged?: string[] } | null;
  return verify?.passed === true && (verify.protectedChanged ?? []).length === 0;
}

export function tierOf(task: TaskRecord, label: string): number {
  return task.config.agents.find((agent) => agent.label === label)?.tier ?? 1;
}

export function raceState(task: TaskRecord): RaceState | undefined {
  return task.result?.race as RaceState | undefined;
}

export function cascadeState(task: TaskRecord): CascadeState | undefined {
  return task.result?.cascade as CascadeState | undefined;
}

/** A cascade's first state: tier 1 running, the rest waiting. */
export function firstCascadeState(task: TaskRecord): CascadeState {
  const count = Math.max(...task.config.agents.map((agent) => agent.tier ?? 1));
  const tiers = Array.from({ length: count }, (_, index) => ({
    tier: index + 1,
    agents: task.config.agents.filter((agent) => (agent.tier ?? 1) === index + 1).map((agent) => agent.label),
    outcome: (index === 0 ? 'running' : 'pending') as TierOutcome,
  }));
  return { tier: 1, tiers };
}

/**
 * The attempt of `tier` the next tier is told about: the best of its attempts as the ranking
 * orders them (succeeded before failed, then the smaller diff…), among those that changed something.
 */
export function bestOfTier(task: TaskRecord, runs: readonly AttemptRecord[], tier: number): AttemptRecord | undefined {
  const inTier = runs.filter((run) => tierOf(task, run.label) === tier && run.headCommit !== null);
  if (inTier.length === 0) return undefined;
  const ranking = rankAttempts(
    inTier.map((run) => ({
      label: run.label,
      position: run.position,
      succeeded: run.status === 'succeeded',
      verifyConfigured: true,
      verifyPassed: (run.verify as { passed?: boolean } | null)?.passed,
      protectedChanged: (run.verify as { protectedChanged?: string[] } | null)?.protectedChanged ?? [],
      rounds: 1,
      filesChanged: run.filesChanged.length,
      insertions: run.insertions ?? 0,
      deletions: run.deletions ?? 0,
      costUsd: run.costUsd,
      durationMs: 0,
    })),
  );
  return inTier.find((run) => run.label === ranking.winner) ?? inTier[0];
}

/** Attempts of cascade tiers that have not started (no job yet): they do not hold the task open. */
export function notStarted(task: TaskRecord, runs: readonly AttemptRecord[]): Set<string> {
  if (task.config.strategy !== 'cascade') return new Set();
  const tier = cascadeState(task)?.tier ?? 1;
  return new Set(runs.filter((run) => run.status === 'pending' && tierOf(task, run.label) > tier).map((run) => run.label));
}

/** What a race or cascade adds to the task's result at its end. */
export function strategyResult(task: TaskRecord, runs: readonly AttemptRecord[]): { race?: RaceState; cascade?: CascadeState } {
  const race = raceState(task);
  const cascade = cascadeState(task);
  if (!race) return cascade ? { cascade } : {};
  const cancelled = runs.filter((run) => run.stopReason === 'race_won').map((run) => ({ label: run.label, costUsd: run.costUsd }));
  const cancelledCostUsd = cancelled.reduce((sum, run) => sum + (run.costUsd ?? 0), 0);
  return { race: { ...race, cancelled, cancelledCostUsd }, ...(cascade ? { cascade } : {}) };
}

const inPlay = (run: AttemptRecord) => run.status === 'pending' || run.status === 'running';

export class StrategySteps {
  private readonly tasks: TaskRepository;
  private readonly queue: TaskQueue | undefined;

  constructor(deps: { tasks: TaskRepository; queue?: TaskQueue | undefined }) {
    this.tasks = deps.tasks;
    this.queue = deps.queue;
  }

  /**
   * One step after an attempt ended. Returns true when it changed attempts' rows (the caller
   * reads them again). The caller has checked that the task runs and is not being cancelled.
   */
  async step(tx: Queryable, record: EventRecorder, task: TaskRecord, runs: readonly AttemptRecord[]): Promise<boolean> {
    if (task.config.strategy === 'race') return this.race(tx, record, task, runs);
    if (task.config.strategy === 'cascade') return this.cascade(tx, record, task, runs);
    return false;
  }

  private async race(tx: Queryable, record: EventRecorder, task: TaskRecord, runs: readonly AttemptRecord[]): Promise<boolean> {
    if (raceState(task)) return false;
    // Ends are recorded one at a time under the row lock: the first verified one found is the first to end.
    const winner = runs.filter((run) => !inPlay(run) && isVerified(run)).sort((a, b) => (a.completedAt?.getTime() ?? 0) - (b.completedAt?.getTime() ?? 0))[0];
    if (!winner) return false;
    const losers = runs.filter(inPlay);
    const verifiedAfterMs = Math.max(0, (winner.completedAt ?? new Date()).getTime() - (task.startedAt ?? task.createdAt).getTime());
    await this.tasks.setResult(tx, task.id, { ...task.result, race: { winner: winner.label, verifiedAfterMs } satisfies RaceState });
    const now = new Date();
    for (const run of losers.filter((run) => run.status === 'pending')) {
      await this.tasks.attempts.update(task.id, run.label, { status: 'cancelled', stopReason: 'race_won', error: `not run: ${winner.label} won the race`, completedAt: now }, tx);
    }
    await record(losers.map((run): NewEvent => ({ type: 'attempt.cancelled', agentLabel: run.label, data: { reason: 'race_won', winner: winner.label, running: run.status === 'running' } })));
    // Delivered at commit, to every instance: each stops its running attempts of this task.
    if (losers.some((run) => run.status === 'running')) await tx.query('SELECT pg_notify($1, $2)', [RACE_CHANNEL, task.id]);
    return losers.length > 0;
  }

  private async cascade(tx: Queryable, record: EventRecorder, task: TaskRecord, runs: readonly AttemptRecord[]): Promise<boolean> {
    const state = cascadeState(task) ?? firstCascadeState(task);
    if (state.passedTier !== undefined) return false;
    const current = runs.filter((run) => tierOf(task, run.label) === state.tier);
    if (current.some(inPlay)) return false;
    const outcome = (tier: number, value: TierOutcome) => {
      const entry = state.tiers.find((candidate) => candidate.tier === tier);
      if (entry) entry.outcome = value;
    };
    const later = (tier: number) => runs.filter((run) => tierOf(task, run.label) > tier && run.status === 'pending');
    const now = new Date();
    if (current.some(isVerified)) {
      outcome(state.tier, 'passed');
      for (const entry of state.tiers.filter((candidate) => candidate.tier > state.tier)) entry.outcome = 'not_needed';
      state.passedTier = state.tier;
      for (const run of later(state.tier)) {
        await this.tasks.attempts.update(task.id, run.label, { status: 'cancelled', error: `not run: tier ${state.tier} had an attempt that passed verify`, completedAt: now }, tx);
      }
      await this.tasks.setResult(tx, task.id, { ...task.result, cascade: state });
      return later(state.tier).length > 0;
    }
    // No attempt of this tier passed: the next tier that fits in the budget starts.
    const best = bestOfTier(task, runs, state.tier);
    const last = Math.max(...state.tiers.map((entry) => entry.tier));
    outcome(state.tier, 'failed');
    const spent = runs.reduce((sum, run) => sum + (run.costUsd ?? 0), 0);
    const budget = task.config.budgetUsd;
    const events: NewEvent[] = [];
    let next: number | null = null;
    for (let tier = state.tier + 1; tier <= last; tier += 1) {
      if (budget !== undefined && spent >= budget) {
        const agents = runs.filter((candidate) => tierOf(task, candidate.label) === tier).map((candidate) => candidate.label);
        events.push({ type: 'tier.skipped', data: { tier, agents, reason: 'budget', spentUsd: spent, budgetUsd: budget } });
        outcome(tier, 'skipped');
        for (const run of runs.filter((candidate) => tierOf(task, candidate.label) === tier && candidate.status === 'pending')) {
          const error = `skipped: the task's budget (${budget} USD over all tiers) was spent before tier ${tier} could start`;
          await this.tasks.attempts.update(task.id, run.label, { status: 'cancelled', stopReason: 'budget', error, completedAt: now }, tx);
        }
        continue;
      }
      next = tier;
      break;
    }
    const attempts = current.map((run) => run.label);
    await record([{ type: 'tier.failed', data: { tier: state.tier, attempts, best: best?.label ?? null, next } }, ...events]);
    if (next === null) {
      state.passedTier = null;
      await this.tasks.setResult(tx, task.id, { ...task.result, cascade: state });
      return events.length > 0;
    }
    const labels = runs.filter((run) => tierOf(task, run.label) === next).map((run) => run.label);
    state.tier = next;
    outcome(next, 'running');
    await this.tasks.setResult(tx, task.id, { ...task.result, cascade: state });
    await record([{ type: 'tier.started', data: { tier: next, agents: labels, after: best?.label ?? null } }]);
    await this.queue?.enqueueAttempts(tx, task.attemptQueue, task.id, labels);
    return events.length > 0;
  }
}
