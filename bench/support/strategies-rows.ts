/** The strategies benchmark's printed rows and its Markdown tables (for the README). */
import type { BenchRow } from './context.ts';
import { ratio, round } from './stats.ts';
import type { AutoFigures, StrategyFigures } from './strategies-figures.ts';

const agentsOf: Record<string, string> = {
  all: 'mini + medium + max, every attempt to its end',
  race: 'mini + medium + max, first verified wins',
  cascade: 'tier 1 mini + small, tier 2 max',
  auto: 'pick 1 of the 5 from history',
};

const percent = (share: number) => `${round(share * 100, 1)} %`;
const usd = (value: number) => `$${value.toFixed(3)}`;
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const spent = (extraUsd: number) => (extraUsd < 0 ? `$${(-extraUsd).toFixed(2)} less` : `$${extraUsd.toFixed(2)} more`);

export function strategyRows(figures: readonly StrategyFigures[], autoWhole: StrategyFigures, auto: AutoFigures, compared: number): BenchRow[] {
  const all = figures.find((entry) => entry.strategy === 'all')!;
  const row = (measure: string, value: number, baseline: number | null, baselineName: string, unit: string, target: string, higherIsBetter = false): BenchRow => ({
    benchmark: 'strategies',
    measure,
    value,
    baseline,
    baselineName,
    unit,
    ratio: baseline === null || baseline === 0 || value === 0 ? null : higherIsBetter ? ratio(baseline, value) : ratio(value, baseline),
    target,
  });
  const rows: BenchRow[] = [];
  for (const entry of figures.filter((candidate) => candidate.strategy !== 'all')) {
    const name = `${entry.strategy} (last ${compared} tasks × 3 repositories)`;
    const saver = entry.strategy === 'cascade' || entry.strategy === 'auto';
    rows.push(
      row(`${name}: solved`, round(entry.solvedRate * 100, 1), round(all.solvedRate * 100, 1), 'all', '%', saver ? '≥ 95 % of all (cascade or auto)' : 'report', true),
      row(`${name}: cost per solved task`, entry.costPerSolvedUsd, all.costPerSolvedUsd, 'all', 'USD', saver ? '≤ 0.5× all (cascade or auto)' : 'report'),
      row(`${name}: time to the verified result, p50`, entry.timeP50Ms, all.timeP50Ms, 'all', 'ms', entry.strategy === 'race' ? '≤ 0.7× all' : 'report'),
      row(`${name}: time to the verified result, p90`, entry.timeP90Ms, all.timeP90Ms, 'all', 'ms', 'report'),
      ...(entry.strategy === 'race' ? [row(`${name}: time to the task's end, p50`, entry.endP50Ms, all.endP50Ms, 'all', 'ms', 'report')] : []),
    );
  }
  rows.push(
    row(`auto, whole run (${autoWhole.tasks} tasks): solved`, round(autoWhole.solvedRate * 100, 1), round(auto.bestFixed.solvedRate * 100, 1), 'best fixed agent per repository, same tasks', '%', 'report', true),
    row(`auto, whole run: cost per solved task`, autoWhole.costPerSolvedUsd, auto.bestFixed.costPerSolvedUsd, 'best fixed agent per repository, same tasks', 'USD', 'report'),
  );
  for (const point of auto.regret) {
    rows.push(row(`auto regret after ${point.afterTasks} tasks (pass/(1+cost) lost; ${point.solvedLost} solved fewer, ${spent(point.extraCostUsd)} spent)`, point.expectedRegret, null, '', `(${percent(point.expectedRegretShare)})`, 'report'));
  }
  if (auto.bestPickShareAfter30 !== null) {
    const each = Object.entries(auto.bestPickShareAfter30ByRepository).map(([name, entry]) => `${name} ${percent(entry.share)}`).join(', ');
    rows.push(row(`auto picks the best agent, tasks after the 30th on a repository (${each})`, round(auto.bestPickShareAfter30 * 100, 1), null, '', '%', '≥ 80 %'));
  }
  return rows;
}

/** The README's tables: the four strategies on the same tasks, then auto's learning. */
export function strategyTable(figures: readonly StrategyFigures[], autoWhole: StrategyFigures, auto: AutoFigures, compared: number): string {
  const all = figures.find((entry) => entry.strategy === 'all')!;
  const lines = [
    `| strategy (the last ${compared} tasks on each of 3 repositories) | agents | solved | cost per solved task | time to the verified result p50 / p90 | task's end p50 | attempts run per task |`,
    '|---|---|---|---|---|---|---|',
    ...figures.map((entry) => {
      const versus = entry.strategy === 'all' ? '' : ` (${ratio(entry.costPerSolvedUsd, all.costPerSolvedUsd)}×)`;
      const solvedVersus = entry.strategy === 'all' ? '' : ` (${percent(entry.solvedRate / all.solvedRate)} of all)`;
      const timeVersus = entry.strategy === 'all' ? '' : ` (p50 ${ratio(entry.timeP50Ms, all.timeP50Ms)}×)`;
      return `| \`${entry.strategy}\` | ${agentsOf[entry.strategy]} | ${percent(entry.solvedRate)}${solvedVersus} | ${usd(entry.costPerSolvedUsd)}${versus} | ${seconds(entry.timeP50Ms)} / ${seconds(entry.timeP90Ms)}${timeVersus} | ${seconds(entry.endP50Ms)} | ${entry.attemptsPerTask} |`;
    }),
    '',
    `| \`auto\` over its whole run (${autoWhole.tasks} tasks) | solved | cost per solved task | regret: pass/(1+cost) lost (share of the best's) · tasks solved fewer · spent, against the best fixed agent per repository |`,
    '|---|---|---|---|',
    `| auto | ${percent(autoWhole.solvedRate)} | ${usd(autoWhole.costPerSolvedUsd)} | ${auto.regret.map((point) => `after ${point.afterTasks}: ${point.expectedRegret} (${percent(point.expectedRegretShare)}) · ${point.solvedLost} · ${spent(point.extraCostUsd)}`).join('; ')} |`,
    `| best fixed agent per repository (${Object.entries(auto.best).map(([name, model]) => `${name}: ${model}`).join(', ')}; counterfactual on the same draws) | ${percent(auto.bestFixed.solvedRate)} | ${usd(auto.bestFixed.costPerSolvedUsd)} | 0 |`,
  ];
  return lines.join('\n');
}
