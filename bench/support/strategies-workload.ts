/**
 * The strategies benchmark's simulated workload: five agents (OpenCode models served by
 * fixtures/scripted-opencode.mjs) from "cheap and often wrong" to "expensive and usually right",
 * on three repositories where a different one is best. Every (task, agent) outcome is drawn once
 * from a fixed seed into a table the agent reads, so each strategy meets the same luck on the
 * same task, and the benchmark knows what any agent would have done on any task (the regret's
 * counterfactual).
 */
import { seededRandom, seedOf } from '../../service/src/tasks/agent-choice.ts';

export const models = ['bench/mini', 'bench/small', 'bench/medium', 'bench/large', 'bench/max'] as const;
export type Model = (typeof models)[number];
export const repositories = ['alpha', 'beta', 'gamma'] as const;
export type RepositoryName = (typeof repositories)[number];

interface Profile {
  pass: number;
  costUsd: number;
  seconds: number;
}

// Per attempt, before the ±30 % spread of each draw. Durations are scaled down (seconds for
// what takes an agent minutes), in proportion, and long enough that the agents' time, not the
// service's few hundred ms per attempt, makes the task's; costs are what such runs cost in USD.
const baseCost: Record<Model, number> = { 'bench/mini': 0.02, 'bench/small': 0.07, 'bench/medium': 0.25, 'bench/large': 0.7, 'bench/max': 1.6 };
const baseSeconds: Record<Model, number> = { 'bench/mini': 1.5, 'bench/small': 2.4, 'bench/medium': 4.2, 'bench/large': 6.6, 'bench/max': 9.6 };
// alpha: small and routine (a small model does it); beta: medium (the mid model is needed and
// enough); gamma: hard (only the strongest is reliable), and longer and dearer for everyone.
const passRates: Record<RepositoryName, Record<Model, number>> = {
  alpha: { 'bench/mini': 0.55, 'bench/small': 0.93, 'bench/medium': 0.85, 'bench/large': 0.9, 'bench/max': 0.96 },
  beta: { 'bench/mini': 0.2, 'bench/small': 0.45, 'bench/medium': 0.92, 'bench/large': 0.88, 'bench/max': 0.95 },
  gamma: { 'bench/mini': 0.05, 'bench/small': 0.1, 'bench/medium': 0.25, 'bench/large': 0.35, 'bench/max': 0.9 },
};
const repositoryScale: Record<RepositoryName, number> = { alpha: 0.8, beta: 1, gamma: 1.3 };

export function profile(repository: RepositoryName, model: Model): Profile {
  const scale = repositoryScale[repository];
  return { pass: passRates[repository][model], costUsd: baseCost[model] * scale, seconds: baseSeconds[model] * scale };
}

/**
 * What the service's choice rule weighs (agent-choice.ts): pass rate / (1 + cost in USD). The
 * best fixed choice of a repository is the agent with the highest such value; in each repository
 * it is also the one with the best pass rate among the agents that cost less than it.
 */
export function value(repository: RepositoryName, model: Model): number {
  const { pass, costUsd } = profile(repository, model);
  return pass / (1 + costUsd);
}

export function bestModel(repository: RepositoryName): Model {
  return [...models].sort((a, b) => value(repository, b) - value(repository, a))[0]!;
}

export interface Draw {
  pass: boolean;
  costUsd: number;
  ms: number;
}

export interface WorkloadTask {
  key: string;
  repository: RepositoryName;
  index: number;
  answer: string;
  byModel: Record<Model, Draw>;
}

export interface Workload {
  seed: number;
  /** The agent spends its cost in steps of about this many ms. */
  stepMs: number;
  tasks: WorkloadTask[];
}

/** `perRepository` tasks on each repository, interleaved (alpha-0, beta-0, gamma-0, alpha-1, …). */
export function buildWorkload(seed: number, perRepository: number): Workload {
  const tasks: WorkloadTask[] = [];
  for (let index = 0; index < perRepository; index++) {
    for (const repository of repositories) {
      const key = `${repository}-${index}`;
      const byModel = Object.fromEntries(
        models.map((model) => {
          const random = seededRandom(seedOf(`${seed}:${key}:${model}`));
          const { pass, costUsd, seconds } = profile(repository, model);
          const spread = () => 0.7 + 0.6 * random();
          return [model, { pass: random() < pass, costUsd: Number((costUsd * spread()).toFixed(4)), ms: Math.round(seconds * 1000 * spread()) }];
        }),
      ) as Record<Model, Draw>;
      tasks.push({ key, repository, index, answer: `answer-${key}-${seedOf(`${seed}:${key}`).toString(16)}`, byModel });
    }
  }
  return { seed, stepMs: 1000, tasks };
}

/** The table the scripted agent reads: per task its answer and each model's draw. */
export function agentTable(workload: Workload): { stepMs: number; tasks: Record<string, { answer: string; byModel: Record<Model, Draw> }> } {
  return { stepMs: workload.stepMs, tasks: Object.fromEntries(workload.tasks.map((task) => [task.key, { answer: task.answer, byModel: task.byModel }])) };
}
