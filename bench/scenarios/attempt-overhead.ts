/**
 * The dead time between an agent's last line and its verify: four attempts at once, each
 * worktree holding many ignored files (a kept dependency folder). After the agent come the
 * limits check (disk usage), taking the worktree back and the commit. Beside it, in the same
 * run: `git add -A && git commit` of the same kind of change in the same kind of worktree.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestRepo, makeTempDir } from '../../test/support/git-repo.ts';
import { type BenchContext, type BenchRow, type ScenarioResult, stampAgentSpec } from '../support/context.ts';
import { openBenchDb, startBenchService, submitTask, waitForTaskEnd } from '../support/service.ts';
import { median, parseStamp, ratio, round } from '../support/stats.ts';

const execFileAsync = promisify(execFile);

/** Writes `count` small files under node_modules unless they are there (a kept folder). */
const setupScript = (count: number) => `import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
if (!existsSync('node_modules/.complete')) {
  for (let i = 0; i < ${count}; i += 1) {
    if (i % 100 === 0) mkdirSync(\`node_modules/pkg-\${i / 100}\`, { recursive: true });
    writeFileSync(\`node_modules/pkg-\${Math.floor(i / 100)}/f-\${i}.js\`, 'module.exports = 1;\\n');
  }
  writeFileSync('node_modules/.complete', '');
}
`;

interface TaskEvent {
  type: string;
  agentLabel: string | null;
  timestamp: string;
  data: { message?: string; durationMs?: number };
}

export async function attemptOverhead(context: BenchContext): Promise<ScenarioResult> {
  const files = context.options.quick ? 10_000 : 50_000;
  const attempts = 4;
  context.log(`attempt-overhead: ${attempts} attempts, each worktree with ${files} ignored files`);
  const repo = await createTestRepo();
  await repo.commit({ 'setup.mjs': setupScript(files), '.gitignore': 'node_modules/\n' });
  const service = await startBenchService({ db: await openBenchDb('pglite', context.postgres), workers: 1, env: { KAGE_WORKTREE_POOL_SIZE: String(attempts), KAGE_ATTEMPT_CONCURRENCY: String(attempts) } });
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  try {
    const runTask = async () => {
      const id = await submitTask(service, {
        description: 'attempt overhead',
        repository: { path: repo.path },
        setup: { command: [process.execPath, 'setup.mjs'], keep: ['node_modules'], timeoutSeconds: 900 },
        verify: { command: ['true'] },
        agents: Array.from({ length: attempts }, () => stampAgentSpec(1, 0)),
      });
      const task = await waitForTaskEnd(service, id, 1_800_000);
      if (task.status !== 'completed') throw new Error(`attempt-overhead: task ${String(task.status)}`);
      const events = (await (await service.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: TaskEvent[] };
      return events.items
        .filter((event) => event.type === 'verify.completed')
        .map((verify) => {
          const lastLine = events.items.filter((event) => event.agentLabel === verify.agentLabel).map((event) => parseStamp(event.data.message ?? '')?.at).find((at) => at !== undefined);
          if (lastLine === undefined) throw new Error('attempt-overhead: no agent line');
          return Date.parse(verify.timestamp) - (verify.data.durationMs ?? 0) - lastLine;
        });
    };
    // The first task fills the pool (its setup writes the files); the measured ones start warm.
    await runTask();
    const gaps: number[] = [];
    for (let i = 0; i < (context.options.quick ? 1 : 3); i += 1) gaps.push(...(await runTask()));

    // The baseline: the same change committed by git alone in a worktree of as many ignored files.
    const worktree = join(await makeTempDir('kage-bench-overhead-'), 'wt');
    await execFileAsync('git', ['worktree', 'add', '-q', '--detach', worktree], { cwd: repo.path });
    await execFileAsync(process.execPath, ['setup.mjs'], { cwd: worktree });
    const commits: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      await mkdir(join(worktree, 'out'), { recursive: true });
      await writeFile(join(worktree, 'out', `change-${i}.txt`), `${i}\n`);
      const started = performance.now();
      await execFileAsync('git', ['add', '-A'], { cwd: worktree });
      await execFileAsync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', `change ${i}`], { cwd: worktree });
      commits.push(performance.now() - started);
    }
    details.gapsMs = gaps;
    details.commitMs = commits;
    rows.push({
      benchmark: 'attempt-overhead',
      measure: `agent's last line → its verify starts, ${attempts} attempts at once, ${files.toLocaleString('en')} ignored files each (median of ${gaps.length})`,
      value: round(median(gaps)),
      baseline: round(median(commits)),
      baselineName: 'git add -A && git commit in the same kind of worktree',
      unit: 'ms',
      ratio: ratio(median(gaps), median(commits)),
      target: '≤ 1,000 ms + the commit',
    });
  } finally {
    await service.stop();
    await repo.cleanup();
  }
  return { rows, details };
}
