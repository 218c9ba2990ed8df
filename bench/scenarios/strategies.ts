/**
 * Strategies, measured (issue 35 §4): one simulated workload through the service's own process,
 * run four ways on fresh copies of the same three repositories: `all` and `race` with the same
 * three agents (cheap, mid, strong), `cascade` (two cheap agents, then the strong one), and
 * `auto` (`pick` one of the five from this repository's history, learning over the run). The
 * agents are scripted OpenCode runs whose outcome, cost and duration per task were drawn from a
 * fixed seed (support/strategies-workload.ts); a task is solved when an attempt's answer passes
 * its verify command. The sandbox is on and the database PostgreSQL unless BENCH_STRATEGIES_SANDBOX
 * / BENCH_STRATEGIES_DB say otherwise; the chart goes to docs/strategies.svg (quick runs: /tmp).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createTestRepo, type TestRepo } from '../../test/support/git-repo.ts';
import { startServiceOn } from '../../test/support/service-process.ts';
import type { BenchContext, ScenarioResult } from '../support/context.ts';
import { waitForTaskEnd } from '../support/service.ts';
import { round } from '../support/stats.ts';
import { strategiesChart } from '../support/strategies-chart.ts';
import { autoFigures, strategyFigures, strategyNames, type StrategyName, type TaskOutcome } from '../support/strategies-figures.ts';
import { strategyRows, strategyTable } from '../support/strategies-rows.ts';
import { agentTable, buildWorkload, type Model, models, type RepositoryName, repositories, type WorkloadTask } from '../support/strategies-workload.ts';

const SEED = 35;
const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url));
const chartFile = fileURLToPath(new URL('../../docs/strategies.svg', import.meta.url));

const spec = (model: Model) => ({ agent: 'opencode', model, timeoutSeconds: 120 });
const trio: Model[] = ['bench/mini', 'bench/medium', 'bench/max'];
const bodies: Record<StrategyName, (task: WorkloadTask) => Record<string, unknown>> = {
  all: () => ({ strategy: 'all', agents: trio.map(spec) }),
  race: () => ({ strategy: 'race', agents: trio.map(spec) }),
  cascade: () => ({ strategy: 'cascade', tiers: [['bench/mini', 'bench/small'].map((model) => spec(model as Model)), [spec('bench/max')]] }),
  // A fixed seed per task: the same run draws the same picks.
  auto: (task) => ({ strategy: 'all', pick: { count: 1, candidates: models.map(spec), seed: SEED * 100_000 + task.index * 10 + repositories.indexOf(task.repository) } }),
};

export async function strategies(context: BenchContext): Promise<ScenarioResult> {
  const quick = context.options.quick;
  // auto runs every task, learning; the fixed strategies run the last `compared` of each
  // repository, the same tasks as auto's once it has a history, at the same time as them.
  const perRepository = quick ? 14 : 70;
  const compared = quick ? 4 : Number(process.env.BENCH_STRATEGIES_COMPARED ?? 30);
  const inFlight = Number(process.env.BENCH_STRATEGIES_IN_FLIGHT ?? 10);
  const sandbox = process.env.BENCH_STRATEGIES_SANDBOX ?? 'bwrap';
  // PostgreSQL by default: on 2 cores PGlite (in the service's own thread) made every task slower.
  const driver = (process.env.BENCH_STRATEGIES_DB ?? 'postgres') as 'pglite' | 'postgres';
  const workload = buildWorkload(SEED, perRepository);
  const firstCompared = perRepository - compared;
  const tableDir = await mkdtemp(join(tmpdir(), 'kage-bench-strategies-'));
  const tablePath = join(tableDir, 'table.json');
  await writeFile(tablePath, JSON.stringify(agentTable(workload)));
  const databaseUrl: Record<string, string> = driver === 'postgres' ? { DATABASE_URL: await context.postgres.createDatabase() } : {};
  // 'pglite' here only means no database of the test suite's server: DATABASE_URL, when given, wins.
  const service = await startServiceOn('pglite', {
    ...databaseUrl,
    KAGE_SANDBOX: sandbox,
    KAGE_SANDBOX_READ_PATHS: `${fixtures}:${tableDir}`,
    KAGE_OPENCODE_BIN: join(fixtures, 'scripted-opencode.mjs'),
    OPENCODE_BENCH_TABLE: tablePath,
    KAGE_WORKER_CONCURRENCY: String(inFlight),
    KAGE_RATE_LIMIT_PER_MINUTE: '100000000',
  });
  const repos: TestRepo[] = [];
  const started = Date.now();
  let outcomes: TaskOutcome[] = [];
  try {
    // Each strategy on its own copies of the repositories: auto's history is only its own.
    const paths = {} as Record<StrategyName, Record<RepositoryName, string>>;
    for (const strategy of strategyNames) {
      paths[strategy] = {} as Record<RepositoryName, string>;
      for (const name of repositories) {
        const repo = await createTestRepo({ 'README.md': `# ${name}\n\nThe benchmark's agents write their answer into answer.txt.\n` });
        repos.push(repo);
        paths[strategy][name] = repo.path;
      }
    }
    // One queue, in task order: the strategies share the machine's load as it comes.
    const runs = workload.tasks.flatMap((task) => strategyNames.filter((strategy) => strategy === 'auto' || task.index >= firstCompared).map((strategy) => ({ strategy, task })));
    context.log(`strategies: ${runs.length} tasks, ${inFlight} at once, sandbox ${sandbox}, ${driver}`);
    let done = 0;
    outcomes = await inPool(runs, inFlight, async ({ strategy, task }) => {
      const outcome = await runTask(service, strategy, task, paths[strategy][task.repository]);
      if (++done % 50 === 0) context.log(`strategies: ${done} of ${runs.length} tasks done`);
      return outcome;
    });
  } finally {
    await service.stop();
    await Promise.all(repos.map((repo) => repo.cleanup()));
    await rm(tableDir, { recursive: true, force: true });
  }
  const of = (strategy: StrategyName) => outcomes.filter((outcome) => outcome.strategy === strategy);
  // The four on the same tasks; auto over its whole run apart.
  const figures = strategyNames.map((strategy) => strategyFigures(strategy, of(strategy).filter((outcome) => outcome.index >= firstCompared)));
  const autoWhole = strategyFigures('auto', of('auto'));
  const auto = autoFigures(of('auto'), workload, [10, 30, 100]);
  for (const entry of [...figures, autoWhole]) context.log(`strategies ${entry.strategy}: ${JSON.stringify(entry)}`);
  const chart = strategiesChart(figures, autoWhole, auto);
  const chartPath = quick ? join(tmpdir(), 'kage-bench-strategies-quick.svg') : chartFile;
  await writeFile(chartPath, chart);
  context.log(`strategies: chart written to ${chartPath}`);
  const table = strategyTable(figures, autoWhole, auto, compared);
  context.log(`strategies:\n${table}`);
  const details = {
    seed: SEED,
    sandbox,
    database: driver,
    tasksPerRepository: { auto: perRepository, compared, comparedFromIndex: firstCompared },
    tasksRun: outcomes.length,
    inFlight,
    wallSeconds: round((Date.now() - started) / 1000),
    figures,
    autoWhole,
    auto,
    chart: chartPath,
    table,
    outcomes,
  };
  return { rows: strategyRows(figures, autoWhole, auto, compared), details };
}

/** Runs `work` over `items` with at most `limit` at once, in order of submission. */
async function inPool<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) results[index] = await work(items[index]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface AttemptView {
  model: string | null;
  startedAt: string | null;
  completedAt: string | null;
  verify: { passed?: boolean; protectedChanged?: string[] } | null;
}

async function runTask(service: Awaited<ReturnType<typeof startServiceOn>>, strategy: StrategyName, task: WorkloadTask, path: string): Promise<TaskOutcome> {
  const response = await service.request('/api/v1/tasks', {
    method: 'POST',
    json: {
      description: `bench task ${task.key}: write the answer into answer.txt`,
      repository: { path },
      verify: { command: ['grep', '-qx', task.answer, 'answer.txt'], timeoutSeconds: 60 },
      ...bodies[strategy](task),
    },
  });
  const submitted = (await response.json()) as { id?: string };
  if (response.status !== 202) throw new Error(`POST /tasks answered ${response.status}: ${JSON.stringify(submitted)}`);
  const view = (await waitForTaskEnd(service, submitted.id!, 300_000)) as {
    status: string;
    agents: AttemptView[];
    totalCostUsd: number;
    startedAt: string | null;
    completedAt: string | null;
    selection: { candidates: Array<{ model: string | null; picked: boolean }> } | null;
    strategyResult: { race?: { verifiedAfterMs: number } } | null;
  };
  const verified = view.agents.filter((attempt) => attempt.verify?.passed === true && (attempt.verify.protectedChanged ?? []).length === 0);
  const since = (at: string | null) => (view.startedAt && at ? Date.parse(at) - Date.parse(view.startedAt) : null);
  const endMs = since(view.completedAt);
  const verifiedAfterMs = view.strategyResult?.race?.verifiedAfterMs ?? null;
  const firstVerified = verified.map((attempt) => since(attempt.completedAt)).filter((ms): ms is number => ms !== null);
  return {
    strategy,
    key: task.key,
    repository: task.repository,
    index: task.index,
    status: view.status,
    solved: verified.length > 0,
    costUsd: view.totalCostUsd,
    timeMs: strategy === 'race' ? verifiedAfterMs : endMs,
    endMs,
    firstVerifiedMs: firstVerified.length > 0 ? Math.min(...firstVerified) : null,
    attemptsRun: view.agents.filter((attempt) => attempt.startedAt !== null).length,
    picked: (view.selection?.candidates ?? []).filter((candidate) => candidate.picked).map((candidate) => candidate.model as Model),
    verifiedAfterMs,
  };
}
