/**
 * Fan-out for a URL repository served by git http-backend: from POST /tasks until the last of N
 * agents started, cold (the first task: the service clones the remote into its mirror) and warm
 * (the next task: a fetch with nothing new), beside what a person would run by hand in the same
 * run: `git clone --mirror` (cold) or `git fetch` (warm), then `git worktree add` per attempt.
 */
import { execFile } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { makeTempDir, runGitIn } from '../../test/support/git-repo.ts';
import { startGitHttpServer } from '../../test/support/git-http-server.ts';
import { createBigRepo } from '../support/big-repo.ts';
import type { BenchContext, BenchRow, ScenarioResult } from '../support/context.ts';
import { openBenchDb, startBenchService } from '../support/service.ts';
import { ratio, round } from '../support/stats.ts';
import { flushFileSystem, runServiceFanOut } from './fan-out.ts';

const execFileAsync = promisify(execFile);
const REPO_FILES = 10_000;
const TOKEN = 'bench-token-0123456789';

export async function remoteFanOut(context: BenchContext): Promise<ScenarioResult> {
  const counts = [1, 3, 8];
  const repetitions = context.options.quick ? 1 : 3;
  context.log(`remote-fan-out: creating a repository of ${REPO_FILES} files and serving it`);
  const origin = await createBigRepo(REPO_FILES);
  const serverRoot = await makeTempDir('kage-bench-git-');
  await runGitIn(serverRoot, ['clone', '--quiet', '--bare', origin.path, join(serverRoot, 'app.git')]);
  const server = await startGitHttpServer({ root: serverRoot, users: { bench: TOKEN } });
  const url = `${server.url}/app.git`;
  const db = await openBenchDb('postgres', context.postgres);
  const service = await startBenchService({ db, workers: 2 });
  const rows: BenchRow[] = [];
  const details: Record<string, unknown> = {};
  try {
    const stored = await service.request('/api/v1/git-credentials', {
      method: 'POST',
      json: { name: 'bench', host: '127.0.0.1', username: 'bench', token: TOKEN },
    });
    if (stored.status !== 201) throw new Error(`storing the credential answered ${stored.status}`);
    const repository = { url, credential: 'bench', baseRef: 'main' };
    const mirrors = join(service.services.config.dataDir, 'mirrors');
    for (const count of counts) {
      const samples = { cold: [] as number[], warm: [] as number[], clone: [] as number[], fetch: [] as number[] };
      for (let i = 0; i < repetitions; i += 1) {
        await rm(mirrors, { recursive: true, force: true });
        await flushFileSystem();
        samples.cold.push(await runServiceFanOut(service, repository, count));
        await flushFileSystem();
        samples.warm.push(await runServiceFanOut(service, repository, count));
        const byHand = await byHandFanOut(url, count);
        samples.clone.push(byHand.clone);
        samples.fetch.push(byHand.fetch);
      }
      context.log(`remote-fan-out ${count}: ${Object.entries(samples).map(([side, ms]) => `${side} ${ms.map((v) => round(v)).join(', ')} ms`).join('; ')}`);
      details[`agents_${count}`] = samples;
      const best = (side: keyof typeof samples) => Math.min(...samples[side]);
      const agents = `${count} agent${count > 1 ? 's' : ''}`;
      rows.push(
        {
          benchmark: 'remote-fan-out',
          measure: `${agents}, cold (clone into the mirror): POST → last agent started`,
          value: round(best('cold')),
          baseline: round(best('clone')),
          baselineName: `git clone --mirror + git worktree add ×${count}`,
          unit: 'ms',
          ratio: ratio(best('cold'), best('clone')),
          target: 'overhead',
        },
        {
          benchmark: 'remote-fan-out',
          measure: `${agents}, warm (fetch, nothing new): POST → last agent started`,
          value: round(best('warm')),
          baseline: round(best('fetch')),
          baselineName: `git fetch + git worktree add ×${count}`,
          unit: 'ms',
          ratio: ratio(best('warm'), best('fetch')),
          target: 'overhead',
        },
      );
    }
  } finally {
    await service.stop();
    await server.stop();
    await origin.cleanup();
    await rm(serverRoot, { recursive: true, force: true });
  }
  return { rows, details: { repositoryFiles: REPO_FILES, repetitions, ...details } };
}

/** The same by hand: a mirror clone (cold) or a fetch into it (warm), then `count` worktrees; ms of each. */
async function byHandFanOut(url: string, count: number): Promise<{ clone: number; fetch: number }> {
  const root = await makeTempDir('kage-bench-hand-');
  const auth = { GIT_CONFIG_COUNT: '1', GIT_CONFIG_KEY_0: 'http.extraHeader', GIT_CONFIG_VALUE_0: `Authorization: Basic ${Buffer.from(`bench:${TOKEN}`).toString('base64')}` };
  const git = (cwd: string, args: string[]) => execFileAsync('git', args, { cwd, env: { ...process.env, ...auth, LC_ALL: 'C' } });
  const mirror = join(root, 'mirror.git');
  const addWorktrees = async (prefix: string) => {
    for (let i = 0; i < count; i += 1) await git(mirror, ['-c', 'checkout.workers=0', 'worktree', 'add', '--quiet', '-b', `${prefix}/${i}`, join(root, `${prefix}-${i}`), 'main']);
  };
  try {
    await flushFileSystem();
    let started = performance.now();
    await git(root, ['clone', '--quiet', '--mirror', url, mirror]);
    await addWorktrees('cold');
    const clone = performance.now() - started;
    await flushFileSystem();
    started = performance.now();
    await git(mirror, ['fetch', '--quiet', url, '+refs/heads/*:refs/heads/*']);
    await addWorktrees('warm');
    return { clone, fetch: performance.now() - started };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}
