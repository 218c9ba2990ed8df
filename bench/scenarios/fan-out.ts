/**
 * Fan-out overhead: from POST /tasks until the last of N agent processes has started, against
 * plain `git worktree add` of N worktrees (one after another, as git needs) in the same run, and
 * against the same adds with the parallel checkout the service uses: the service's own overhead.
 * The agent prints the moment its process started and stays alive until released, so one
 * attempt's clean-up (commit, worktree removal) never overlaps the next one's start.
 */
import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { makeTempDir } from '../../test/support/git-repo.ts';
import { createBigRepo } from '../support/big-repo.ts';
import type { BenchContext, BenchRow, ScenarioResult } from '../support/context.ts';
import { openBenchDb, startBenchService, submitTask, waitForTaskEnd } from '../support/service.ts';
import { median, now, ratio, round } from '../support/stats.ts';

const execFileAsync = promisify(execFile);
const REPO_FILES = 10_000;
const startAgent = fileURLToPath(new URL('../fixtures/start-agent.mjs', import.meta.url));

export async function fanOut(context: BenchContext): Promise<ScenarioResult> {
  const counts = [1, 3, 8];
  const repetitions = context.options.quick ? 2 : 4;
  context.log(`fan-out: creating a repository of ${REPO_FILES} files`);
  const repo = await createBigRepo(REPO_FILES);
  const head = await repo.head();
  const db = await openBenchDb('postgres', context.postgres);
  const service = await startBenchService({ db, workers: 2 });
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  try {
    // One unmeasured task warms the queue, the git object cache and the page cache.
    await runServiceFanOut(service, repo.path, 1);
    for (const count of counts) {
      const samples = { service: [] as number[], git: [] as number[], gitParallel: [] as number[] };
      const measure: Record<keyof typeof samples, () => Promise<number>> = {
        service: () => runServiceFanOut(service, repo.path, count),
        git: () => plainWorktreeAdds(repo.path, head, count, []),
        gitParallel: () => plainWorktreeAdds(repo.path, head, count, parallelCheckout),
      };
      // Rotating which side goes first, and flushing the previous round's deletions to disk
      // before each, keeps one side's clean-up out of the next one's figure: on these machines
      // the write-back of 10,000 removed files can slow the next checkout several times over.
      const sides = Object.keys(samples) as (keyof typeof samples)[];
      for (let i = 0; i < repetitions; i += 1) {
        for (let j = 0; j < sides.length; j += 1) {
          const side = sides[(i + j) % sides.length]!;
          await flushFileSystem();
          samples[side].push(await measure[side]());
        }
      }
      context.log(`fan-out ${count}: ${sides.map((side) => `${side} ${samples[side].map((ms) => round(ms)).join(', ')} ms`).join('; ')}`);
      // Best of N on every side: the noise here (a VM whose file system calls vary tenfold from
      // one minute to the next) only ever adds time. Medians go to the JSON file as well.
      const best = (side: keyof typeof samples) => Math.min(...samples[side]);
      details[`agents_${count}`] = { ...samples, medians: Object.fromEntries(sides.map((side) => [side, median(samples[side])])) };
      const agents = `${count} agent${count > 1 ? 's' : ''}`;
      rows.push(
        {
          benchmark: 'fan-out',
          measure: `${agents}: POST → last agent started (best of ${repetitions})`,
          value: round(best('service')),
          baseline: round(best('git')),
          baselineName: `plain git worktree add ×${count}`,
          unit: 'ms',
          ratio: ratio(best('service'), best('git')),
          target: '≤ 1.25×',
        },
        {
          benchmark: 'fan-out',
          measure: `${agents}: same, against the git commands the service runs`,
          value: round(best('service')),
          baseline: round(best('gitParallel')),
          baselineName: `git -c checkout.workers=0 worktree add ×${count}`,
          unit: 'ms',
          ratio: ratio(best('service'), best('gitParallel')),
          target: 'overhead',
        },
      );
    }
  } finally {
    await service.stop();
    await repo.cleanup();
  }
  return { rows, details: { repositoryFiles: REPO_FILES, repetitions, ...details } };
}

/** Submits a task of `count` start agents; returns ms from just before POST to the last agent's process start. */
export async function runServiceFanOut(service: Awaited<ReturnType<typeof startBenchService>>, repository: string | Record<string, unknown>, count: number): Promise<number> {
  const releaseDir = await makeTempDir('kage-bench-release-');
  const release = join(releaseDir, 'release');
  const agents = Array.from({ length: count }, () => ({ agent: 'command', command: [process.execPath, startAgent, release] }));
  try {
    const before = now();
    const taskId = await submitTask(service, { description: 'fan-out benchmark', repository: typeof repository === 'string' ? { path: repository } : repository, agents });
    const starts = await waitForStarts(service, taskId, count);
    await writeFile(release, '');
    const task = await waitForTaskEnd(service, taskId);
    if (task.status !== 'completed') throw new Error(`fan-out task ${taskId} ended ${String(task.status)}: ${String(task.error)}`);
    return Math.max(...starts) - before;
  } finally {
    await rm(releaseDir, { recursive: true, force: true });
  }
}

/** Polls the stored progress until every agent has printed its start time; returns those times. */
async function waitForStarts(service: Awaited<ReturnType<typeof startBenchService>>, taskId: string, count: number): Promise<number[]> {
  const deadline = Date.now() + 300_000;
  for (;;) {
    const rows = await service.services.db.query<{ message: string }>(
      "SELECT data->>'message' AS message FROM progress_events WHERE task_id = $1 AND type = 'agent.progress'",
      [taskId],
    );
    if (rows.length >= count) return rows.map((row) => Number(/started (\d+(?:\.\d+)?)/.exec(row.message)?.[1]));
    if (Date.now() > deadline) throw new Error(`fan-out task ${taskId}: only ${rows.length} of ${count} agents started`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function flushFileSystem(): Promise<void> {
  await execFileAsync('sync', []);
}

/** The service checks out with one worker per core (worktree-manager.ts). */
const parallelCheckout = ['-c', 'checkout.workers=0'];

/** `git worktree add` of `count` new branches from `head`, one after another; returns ms. Removes them afterwards. */
async function plainWorktreeAdds(repoPath: string, head: string, count: number, config: readonly string[]): Promise<number> {
  const root = await makeTempDir('kage-bench-wt-');
  const id = Math.random().toString(36).slice(2, 10);
  const git = (args: string[]) => execFileAsync('git', args, { cwd: repoPath, env: { ...process.env, LC_ALL: 'C' } });
  const started = now();
  for (let i = 0; i < count; i += 1) {
    await git([...config, 'worktree', 'add', '--quiet', '--no-track', '-b', `bench/${id}/${i}`, join(root, String(i)), head]);
  }
  const elapsed = now() - started;
  for (let i = 0; i < count; i += 1) {
    await git(['worktree', 'remove', '--force', join(root, String(i))]);
    await git(['branch', '-D', `bench/${id}/${i}`]);
  }
  await rm(root, { recursive: true, force: true });
  return elapsed;
}
