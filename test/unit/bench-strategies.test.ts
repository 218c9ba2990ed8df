/**
 * The strategies benchmark's own arithmetic (bench/support/strategies-*.ts): the drawn workload is
 * the same for the same seed and follows the profile, each repository has its own best agent, and
 * the figures (solved, cost per solved, regret, best picks) count what they say.
 */
import { describe, expect, it } from 'vitest';
import { autoFigures, strategyFigures, type TaskOutcome } from '../../bench/support/strategies-figures.ts';
import { bestModel, buildWorkload, type Model, models, profile, repositories, value, type WorkloadTask } from '../../bench/support/strategies-workload.ts';

function outcome(task: WorkloadTask, model: Model, overrides: Partial<TaskOutcome> = {}): TaskOutcome {
  const draw = task.byModel[model];
  return {
    strategy: 'auto',
    key: task.key,
    repository: task.repository,
    index: task.index,
    status: 'completed',
    solved: draw.pass,
    costUsd: draw.costUsd,
    timeMs: draw.ms,
    endMs: draw.ms,
    firstVerifiedMs: draw.pass ? draw.ms : null,
    attemptsRun: 1,
    picked: [model],
    verifiedAfterMs: null,
    ...overrides,
  };
}

describe('strategies workload', () => {
  it('draws the same table for the same seed, another for another seed, at the profile’s rates', () => {
    expect(buildWorkload(35, 5)).toEqual(buildWorkload(35, 5));
    expect(buildWorkload(36, 5).tasks.map((task) => task.byModel)).not.toEqual(buildWorkload(35, 5).tasks.map((task) => task.byModel));
    const tasks = buildWorkload(7, 1000).tasks;
    for (const repository of repositories) {
      for (const model of models) {
        const mine = tasks.filter((task) => task.repository === repository).map((task) => task.byModel[model]);
        const { pass, costUsd } = profile(repository, model);
        expect(mine.filter((draw) => draw.pass).length / mine.length).toBeCloseTo(pass, 1);
        expect(mine.reduce((sum, draw) => sum + draw.costUsd, 0) / mine.length).toBeCloseTo(costUsd, 1);
      }
    }
  });

  it('has a different best agent on each repository, by pass rate / (1 + cost)', () => {
    expect(repositories.map(bestModel)).toEqual(['bench/small', 'bench/medium', 'bench/max']);
    expect(value('gamma', 'bench/max')).toBeGreaterThan(value('gamma', 'bench/large'));
  });
});

describe('strategies figures', () => {
  const workload = buildWorkload(35, 40);

  it('counts solved, cost per solved task and the time of solved tasks only', () => {
    const [first, second, third] = workload.tasks;
    const figures = strategyFigures('all', [
      outcome(first!, 'bench/max', { solved: true, costUsd: 3, timeMs: 1000 }),
      outcome(second!, 'bench/max', { solved: false, costUsd: 1, timeMs: 50 }),
      outcome(third!, 'bench/max', { solved: true, costUsd: 2, timeMs: 3000 }),
    ]);
    expect(figures).toMatchObject({ tasks: 3, solved: 2, solvedRate: 0.6667, totalCostUsd: 6, costPerSolvedUsd: 3, timeP50Ms: 1000, timeP90Ms: 3000 });
  });

  it('has no regret and every pick best when auto always picks the best agent', () => {
    const outcomes = workload.tasks.map((task) => outcome(task, bestModel(task.repository)));
    const figures = autoFigures(outcomes, workload, [10, 30, 100]);
    expect(figures.regret.map((point) => [point.afterTasks, point.expectedRegret, point.solvedLost, point.extraCostUsd])).toEqual([
      [10, 0, 0, 0],
      [30, 0, 0, 0],
      [100, 0, 0, 0],
    ]);
    expect(figures.bestPickShareAfter30).toBe(1);
    expect(figures.bestFixed.solvedRate).toBe(strategyFigures('auto', outcomes).solvedRate);
  });

  it('adds what a worse pick loses, and counts best picks from the 31st task on a repository', () => {
    // mini on every gamma task; the best agent elsewhere.
    const outcomes = workload.tasks.map((task) => outcome(task, task.repository === 'gamma' ? 'bench/mini' : bestModel(task.repository)));
    const figures = autoFigures(outcomes, workload, [30]);
    const gammaTasks = outcomes.slice(0, 30).filter((entry) => entry.repository === 'gamma');
    expect(gammaTasks).toHaveLength(10);
    expect(figures.regret[0]!.expectedRegret).toBeCloseTo(10 * (value('gamma', 'bench/max') - value('gamma', 'bench/mini')), 2);
    const lost = gammaTasks.reduce((sum, entry) => sum + Number(workload.tasks.find((task) => task.key === entry.key)!.byModel['bench/max'].pass) - Number(entry.solved), 0);
    expect(figures.regret[0]!.solvedLost).toBe(lost);
    expect(figures.regret[0]!.extraCostUsd).toBeLessThan(0);
    // Tasks 31–40 on each repository: alpha's and beta's right, gamma's wrong.
    expect(figures.bestPickShareAfter30).toBeCloseTo(2 / 3, 3);
    expect(figures.bestPickShareAfter30ByRepository).toEqual({ alpha: { tasks: 10, share: 1 }, beta: { tasks: 10, share: 1 }, gamma: { tasks: 10, share: 0 } });
    expect(figures.picks.gamma).toEqual({ 'bench/mini': 40 });
  });
});
