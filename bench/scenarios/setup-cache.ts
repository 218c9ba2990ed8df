/**
 * One dependency download per repository: a real npm project (express and its ~65 packages from
 * the registry) set up by 1 and 4 attempts at once, cold (an empty shared cache, fresh worktrees)
 * and warm (the next task: pooled worktrees with node_modules kept, the cache filled), beside a
 * plain `npm ci` with an empty cache and a plain `npm install` that finds everything up to date,
 * in the same run.
 */
import { execFile } from 'node:child_process';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestRepo, makeTempDir, type TestRepo } from '../../test/support/git-repo.ts';
import { type BenchContext, type BenchRow, type ScenarioResult, stampAgentSpec } from '../support/context.ts';
import { type BenchService, openBenchDb, startBenchService, submitTask, waitForTaskEnd } from '../support/service.ts';
import { ratio, round } from '../support/stats.ts';

const execFileAsync = promisify(execFile);
const manifest = JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true, dependencies: { express: '4.21.2' } });

async function timed(work: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

/** A repository with the manifest and its lock, ignoring node_modules. */
async function projectRepo(lock: string): Promise<TestRepo> {
  const repo = await createTestRepo();
  await repo.commit({ 'package.json': manifest, 'package-lock.json': lock, '.gitignore': 'node_modules/\n' });
  return repo;
}

/** From the task's start to its last attempt's setup done (they run at once), from the events' times. */
async function setupTask(service: BenchService, repo: TestRepo, attempts: number): Promise<number> {
  const id = await submitTask(service, {
    description: 'setup cache',
    repository: { path: repo.path },
    setup: { command: ['npm', 'install', '--no-audit', '--no-fund'], keep: ['node_modules'], timeoutSeconds: 900 },
    agents: Array.from({ length: attempts }, () => stampAgentSpec(1, 0)),
  });
  const task = await waitForTaskEnd(service, id, 1_800_000);
  if (task.status !== 'completed') throw new Error(`setup-cache: task ${String(task.status)}`);
  const events = (await (await service.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: Array<{ type: string; timestamp: string; data: { passed?: boolean } }> };
  const setups = events.items.filter((event) => event.type === 'attempt.setup');
  if (setups.length !== attempts || setups.some((event) => !event.data.passed)) throw new Error('setup-cache: a setup failed');
  const started = events.items.find((event) => event.type === 'task.started');
  return Math.max(...setups.map((event) => Date.parse(event.timestamp))) - Date.parse(started!.timestamp);
}

export async function setupCache(context: BenchContext): Promise<ScenarioResult> {
  const scratch = await makeTempDir('kage-bench-setup-');
  await writeFile(join(scratch, 'package.json'), manifest);
  await execFileAsync('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: scratch });
  const lock = await readFile(join(scratch, 'package-lock.json'), 'utf8');
  // Baselines: the same install by hand, with an empty cache, then finding everything up to date.
  const plainCold = await timed(() => execFileAsync('npm', ['ci', '--no-audit', '--no-fund', '--cache', join(scratch, 'cache')], { cwd: scratch }));
  const plainWarm = await timed(() => execFileAsync('npm', ['install', '--no-audit', '--no-fund', '--cache', join(scratch, 'cache')], { cwd: scratch }));
  context.log(`setup-cache: plain npm ci ${round(plainCold)} ms, up-to-date npm install ${round(plainWarm)} ms`);
  const service = await startBenchService({ db: await openBenchDb('pglite', context.postgres), workers: 1, env: { KAGE_WORKTREE_POOL_SIZE: '4', KAGE_ATTEMPT_CONCURRENCY: '4' } });
  const rows: BenchRow[] = [];
  const repos: TestRepo[] = [];
  try {
    const one = await projectRepo(lock);
    const four = await projectRepo(lock);
    repos.push(one, four);
    const cold1 = await setupTask(service, one, 1);
    const cold4 = await setupTask(service, four, 4);
    const warm4 = await setupTask(service, four, 4);
    const warm1 = await setupTask(service, one, 1);
    const row = (measure: string, value: number, baseline: number, baselineName: string, target: string): BenchRow => ({
      benchmark: 'setup-cache',
      measure,
      value: round(value),
      baseline: round(baseline),
      baselineName,
      unit: 'ms',
      ratio: ratio(value, baseline),
      target,
    });
    rows.push(
      row('1 attempt, cold: task start → setup npm install done (empty shared cache, fresh worktree)', cold1, plainCold, 'plain npm ci with an empty cache', 'report'),
      row('4 attempts at once, cold: task start → the last setup done', cold4, plainCold, 'plain npm ci with an empty cache', '≤ 1.5×'),
      row('1 attempt, warm: task start → setup done (pooled worktree, node_modules kept, cache filled)', warm1, plainWarm, 'plain npm install, up to date', '≤ baseline + 2,000 ms'),
      row('4 attempts at once, warm: task start → the last setup done', warm4, plainWarm, 'plain npm install, up to date', '≤ baseline + 2,000 ms'),
    );
    return { rows, details: { plainCold, plainWarm, cold1, cold4, warm1, warm4 } };
  } finally {
    await service.stop();
    for (const repo of repos) await repo.cleanup();
    await rm(scratch, { recursive: true, force: true });
  }
}
