/**
 * The strategies benchmark's figures, from the tasks as the service answered them: solved rate,
 * cost per solved task, time to the verified result; and for `auto` its picks against the best
 * fixed choice per repository (regret, share of best picks).
 */
import { bestModel, type Model, type RepositoryName, value, type Workload, type WorkloadTask } from './strategies-workload.ts';
import { percentile, round } from './stats.ts';

export const strategyNames = ['all', 'race', 'cascade', 'auto'] as const;
export type StrategyName = (typeof strategyNames)[number];

/** One task as the benchmark saw it end. */
export interface TaskOutcome {
  strategy: StrategyName;
  key: string;
  repository: RepositoryName;
  /** The task's place among this repository's tasks (0 first). */
  index: number;
  status: string;
  /** An attempt passed verify with no protected file changed. */
  solved: boolean;
  costUsd: number;
  /**
   * The task's start → the verified result in hand, from the service's timestamps: for a race the
   * moment it was won (its winner is then in the task's strategyResult), for the others the
   * task's end (the winner is named once every attempt that runs has ended).
   */
  timeMs: number | null;
  /** The task's start → its end. */
  endMs: number | null;
  /** The task's start → the first attempt that passed verify ended (whatever the strategy did with it). */
  firstVerifiedMs: number | null;
  /** Attempts whose agent started (a cascade's later tiers often never do). */
  attemptsRun: number;
  /** For auto: the models `pick` chose. */
  picked: Model[];
  /** For race: the task's start → the first verified attempt, as the service recorded it. */
  verifiedAfterMs: number | null;
}

export interface StrategyFigures {
  strategy: StrategyName;
  tasks: number;
  solved: number;
  solvedRate: number;
  totalCostUsd: number;
  costPerSolvedUsd: number;
  attemptsPerTask: number;
  timeP50Ms: number;
  timeP90Ms: number;
  endP50Ms: number;
  endP90Ms: number;
}

export function strategyFigures(strategy: StrategyName, outcomes: readonly TaskOutcome[]): StrategyFigures {
  const solved = outcomes.filter((outcome) => outcome.solved);
  const totalCostUsd = outcomes.reduce((sum, outcome) => sum + outcome.costUsd, 0);
  const times = solved.map((outcome) => outcome.timeMs).filter((ms): ms is number => ms !== null);
  const ends = solved.map((outcome) => outcome.endMs).filter((ms): ms is number => ms !== null);
  return {
    strategy,
    tasks: outcomes.length,
    solved: solved.length,
    solvedRate: round(solved.length / Math.max(1, outcomes.length), 4),
    totalCostUsd: round(totalCostUsd, 4),
    costPerSolvedUsd: round(totalCostUsd / Math.max(1, solved.length), 4),
    attemptsPerTask: round(outcomes.reduce((sum, outcome) => sum + outcome.attemptsRun, 0) / Math.max(1, outcomes.length), 2),
    timeP50Ms: Math.round(percentile(times, 50)),
    timeP90Ms: Math.round(percentile(times, 90)),
    endP50Ms: Math.round(percentile(ends, 50)),
    endP90Ms: Math.round(percentile(ends, 90)),
  };
}

export interface RegretPoint {
  afterTasks: number;
  /** Σ (value of the best fixed choice − value of the pick), value = pass rate / (1 + cost): the rule's own scale. */
  expectedRegret: number;
  /** The same as a share of what the best fixed choice would have earned. */
  expectedRegretShare: number;
  /** On the same tasks (their drawn outcomes), the best fixed choice would have solved this many more… */
  solvedLost: number;
  /** …and spent this much less (negative: it would have spent more). */
  extraCostUsd: number;
}

export interface AutoFigures {
  best: Record<RepositoryName, Model>;
  regret: RegretPoint[];
  /** Share of tasks, from the 31st on each repository, where pick chose that repository's best agent. */
  bestPickShareAfter30: number | null;
  bestPickShareAfter30ByRepository: Record<string, { tasks: number; share: number }>;
  /** What always picking the best fixed agent would have done on the same tasks (counterfactual, from the drawn table). */
  bestFixed: { solvedRate: number; costPerSolvedUsd: number };
  /** How often each model was picked, per repository. */
  picks: Record<string, Record<string, number>>;
  /** Per 10 tasks on a repository (tasks 1–10, 11–20, …): share picking the best, over the repositories. */
  learningCurve: Array<{ fromTask: number; share: number }>;
}

export function autoFigures(outcomes: readonly TaskOutcome[], workload: Workload, checkpoints: readonly number[]): AutoFigures {
  const tasks = new Map<string, WorkloadTask>(workload.tasks.map((task) => [task.key, task]));
  const best = Object.fromEntries(['alpha', 'beta', 'gamma'].map((name) => [name, bestModel(name as RepositoryName)])) as Record<RepositoryName, Model>;
  const ordered = [...outcomes];
  let expected = 0;
  let bestValue = 0;
  let solvedLost = 0;
  let extraCost = 0;
  const regret: RegretPoint[] = [];
  ordered.forEach((outcome, position) => {
    const task = tasks.get(outcome.key)!;
    const top = best[outcome.repository];
    const picked = outcome.picked[0] ?? top;
    expected += value(outcome.repository, top) - value(outcome.repository, picked);
    bestValue += value(outcome.repository, top);
    solvedLost += Number(task.byModel[top].pass) - Number(outcome.solved);
    extraCost += outcome.costUsd - task.byModel[top].costUsd;
    if (checkpoints.includes(position + 1)) {
      regret.push({ afterTasks: position + 1, expectedRegret: round(expected, 3), expectedRegretShare: round(expected / bestValue, 3), solvedLost, extraCostUsd: round(extraCost, 2) });
    }
  });
  const late = ordered.filter((outcome) => outcome.index >= 30);
  const isBest = (outcome: TaskOutcome) => outcome.picked[0] === best[outcome.repository];
  const byRepository: Record<string, { tasks: number; share: number }> = {};
  for (const repository of Object.keys(best)) {
    const mine = late.filter((outcome) => outcome.repository === repository);
    if (mine.length > 0) byRepository[repository] = { tasks: mine.length, share: round(mine.filter(isBest).length / mine.length, 3) };
  }
  const picks: Record<string, Record<string, number>> = {};
  for (const outcome of ordered) {
    const counts = (picks[outcome.repository] ??= {});
    for (const model of outcome.picked) counts[model] = (counts[model] ?? 0) + 1;
  }
  const bestSolved = ordered.filter((outcome) => tasks.get(outcome.key)!.byModel[best[outcome.repository]].pass).length;
  const bestCost = ordered.reduce((sum, outcome) => sum + tasks.get(outcome.key)!.byModel[best[outcome.repository]].costUsd, 0);
  const learningCurve: Array<{ fromTask: number; share: number }> = [];
  for (let from = 0; ordered.some((outcome) => outcome.index >= from); from += 10) {
    const window = ordered.filter((outcome) => outcome.index >= from && outcome.index < from + 10);
    learningCurve.push({ fromTask: from + 1, share: round(window.filter(isBest).length / window.length, 3) });
  }
  return {
    best,
    regret,
    bestPickShareAfter30: late.length === 0 ? null : round(late.filter(isBest).length / late.length, 3),
    bestPickShareAfter30ByRepository: byRepository,
    bestFixed: { solvedRate: round(bestSolved / Math.max(1, ordered.length), 4), costPerSolvedUsd: round(bestCost / Math.max(1, bestSolved), 4) },
    picks,
    learningCurve,
  };
}
