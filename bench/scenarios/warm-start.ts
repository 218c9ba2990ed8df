/**
 * Warm starts: a repository of 10,000 tracked files whose setup command makes a 200 MB ignored
 * dependency folder. Fan-out of 1, 3 and 8 attempts, cold (fresh worktrees, the full setup: a
 * service without a pool) against warm (pooled worktrees moved to the base commit, the setup
 * finding its folder complete), in the same run: POST until the last agent started.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createBigRepo } from '../support/big-repo.ts';
import { type BenchContext, type BenchRow, type ScenarioResult, stampAgentSpec } from '../support/context.ts';
import { type BenchService, openBenchDb, startBenchService, submitTask, waitForTaskEnd } from '../support/service.ts';
import { parseStamp, ratio, round } from '../support/stats.ts';

const REPO_FILES = 10_000;
const DEPENDENCY_MB = 200;

/** An install that does nothing when its folder is complete, as `npm ci` with a warm cache nearly does. */
const setupScript = `import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
if (!existsSync('node_modules/.complete')) {
  const chunk = Buffer.alloc(512 * 1024, 7);
  for (let i = 0; i < ${DEPENDENCY_MB * 2}; i += 1) {
    mkdirSync(\`node_modules/pkg-\${i % 40}\`, { recursive: true });
    writeFileSync(\`node_modules/pkg-\${i % 40}/blob-\${i}.bin\`, chunk);
  }
  writeFileSync('node_modules/.complete', '');
}
`;

export async function warmStart(context: BenchContext): Promise<ScenarioResult> {
  const counts = [1, 3, 8];
  const repetitions = context.options.quick ? 1 : 3;
  context.log(`warm-start: a repository of ${REPO_FILES} files with a ${DEPENDENCY_MB} MB setup`);
  const repo = await createBigRepo(REPO_FILES);
  await writeFile(join(repo.path, 'setup.mjs'), setupScript);
  await writeFile(join(repo.path, '.gitignore'), 'node_modules/\n');
  await repo.git('add', '--all');
  await repo.git('commit', '--quiet', '-m', 'setup');
  const cold = await startBenchService({ db: await openBenchDb('pglite', context.postgres), workers: 1, env: { KAGE_WORKTREE_POOL_SIZE: '0', KAGE_ATTEMPT_CONCURRENCY: '8' } });
  const warm = await startBenchService({ db: await openBenchDb('pglite', context.postgres), workers: 1, env: { KAGE_WORKTREE_POOL_SIZE: '8', KAGE_ATTEMPT_CONCURRENCY: '8' } });
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  const fanOut = async (service: BenchService, count: number) => {
    const posted = Date.now();
    const id = await submitTask(service, {
      description: `warm start ${count}`,
      repository: { path: repo.path },
      setup: { command: [process.execPath, 'setup.mjs'], keep: ['node_modules'], timeoutSeconds: 600 },
      agents: Array.from({ length: count }, () => stampAgentSpec(1, 0)),
    });
    const task = await waitForTaskEnd(service, id, 900_000);
    if (task.status !== 'completed') throw new Error(`warm-start: task ${String(task.status)}`);
    const events = (await (await service.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: Array<{ data: { message?: string } }> };
    const starts = events.items.map((event) => parseStamp(event.data.message ?? '')?.at).filter((at): at is number => at !== undefined);
    if (starts.length !== count) throw new Error(`warm-start: ${starts.length} of ${count} agents started`);
    return Math.max(...starts) - posted;
  };
  try {
    for (const count of counts) {
      // The warm side's pool is filled by one run of as many attempts, unmeasured.
      await fanOut(warm, count);
      const samples = { cold: [] as number[], warm: [] as number[] };
      for (let i = 0; i < repetitions; i += 1) {
        samples.cold.push(await fanOut(cold, count));
        samples.warm.push(await fanOut(warm, count));
      }
      context.log(`warm-start ${count}: cold ${samples.cold.map(round).join(', ')} ms; warm ${samples.warm.map(round).join(', ')} ms`);
      details[`agents_${count}`] = samples;
      const best = (side: keyof typeof samples) => Math.min(...samples[side]);
      rows.push({
        benchmark: 'warm-start',
        measure: `${count} agent${count > 1 ? 's' : ''}: POST → last agent started, warm (best of ${repetitions})`,
        value: round(best('warm')),
        baseline: round(best('cold')),
        baselineName: 'cold: fresh worktrees, full setup',
        unit: 'ms',
        ratio: ratio(best('warm'), best('cold')),
        target: '≤ 0.1×',
      });
    }
    details.pool = warm.services.worktrees.pool.status();
  } finally {
    await cold.stop();
    await warm.stop();
    await repo.cleanup();
  }
  return { rows, details };
}
