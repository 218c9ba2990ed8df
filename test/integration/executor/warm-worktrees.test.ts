/**
 * Warm starts: a finished attempt's worktree goes to the pool and the next attempt on the same
 * repository takes it. The reused worktree must be indistinguishable, for everything but the
 * declared cache folders, from a fresh `git worktree add` at the same commit, however untidy the
 * previous attempt left it (the manifest agent describes it from inside, byte for byte).
 */
import { execFile } from 'node:child_process';
import { chmod, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';
import { fixturesDir } from '../../support/service-process.ts';

const execFileAsync = promisify(execFile);
const script = (name: string) => join(fixturesDir, 'fake-agents', name);
const mess = (phase: string) => [process.execPath, script('worktree-messing-agent.mjs'), phase];
const manifestAgent = { agent: 'command', command: [process.execPath, script('worktree-manifest.mjs'), 'manifest.json'] };

interface Manifest {
  entries: Record<string, unknown>;
  status: string;
  mergeInProgress: boolean;
  flaggedIndexEntries: string[];
  head: string;
}

describe('warm starts from the worktree pool', () => {
  let repo: TestRepo;
  let service: TestService;
  const branches: string[] = [];

  beforeAll(async () => {
    repo = await createTestRepo({
      'README.md': '# app\n',
      'notes.txt': 'notes\n',
      'src/app.js': 'export const app = 1;\n',
      'docs/guide.md': '# guide\n',
      'run.sh': '#!/bin/sh\necho run\n',
      '.gitignore': 'build/\nnode_modules/\n',
    });
    await chmod(join(repo.path, 'run.sh'), 0o755);
    await symlink('README.md', join(repo.path, 'link'));
    await writeFile(join(repo.path, '.gitmodules'), '[submodule "sub"]\n\tpath = sub\n\turl = ./sub.git\n');
    await repo.git('add', '-A');
    // A submodule as git records it: a gitlink entry (a fresh worktree shows it as an empty folder).
    await repo.git('update-index', '--add', '--cacheinfo', `160000,${await repo.head()},sub`);
    await repo.git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'a link, an executable, a submodule');
    service = await startTestService({ kind: 'pglite', workers: 1, env: { KAGE_WORKTREE_POOL_SIZE: '1' } });
  });
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
  });

  async function runTask(body: Record<string, unknown>) {
    const response = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'warm', repository: { path: repo.path }, ...body } });
    expect(response.status).toBe(202);
    const task = await waitForTaskEnd(service, (await response.json()).id);
    const events = (await (await service.request(`/api/v1/tasks/${task.id}/events?limit=200`)).json()).items as Array<{ type: string; data: { kind?: string } }>;
    return { task, warm: events.some((event) => event.type === 'agent.progress' && event.data.kind === 'worktree') };
  }

  /** The manifest of a fresh worktree at `commit`, made the way the service makes one. */
  async function freshManifest(commit: string): Promise<Manifest> {
    const dir = await makeTempDir('kage-fresh-');
    const path = join(dir, 'fresh');
    try {
      await repo.git('worktree', 'add', '-q', '--detach', path, commit);
      await execFileAsync(process.execPath, [script('worktree-manifest.mjs'), join(dir, 'manifest.json')], { cwd: path });
      return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as Manifest;
    } finally {
      await repo.git('worktree', 'remove', '--force', path);
      await rm(dir, { recursive: true, force: true });
    }
  }

  it('hands the next attempt a worktree equal to a fresh one at its commit, but for the kept cache folder', async () => {
    const base = await repo.head();
    const untidy = await runTask({ agents: [{ agent: 'command', command: mess('edit') }], verify: { command: mess('leave') }, setup: { keep: ['node_modules'] } });
    expect(untidy.task.agents[0]).toMatchObject({ status: 'succeeded', verify: { passed: true } });
    expect(untidy.warm).toBe(false);
    branches.push(untidy.task.agents[0].branch);
    const health = (await (await service.services.app.request('/health')).json()) as { worktreePool: unknown };
    expect(health.worktreePool).toMatchObject({ size: 1, idle: 1 });

    const next = await runTask({ agents: [manifestAgent], setup: { keep: ['node_modules'] } });
    expect(next.warm, 'the second attempt took the pooled worktree').toBe(true);
    expect(next.task.agents[0].status).toBe('succeeded');
    branches.push(next.task.agents[0].branch);
    const reused = JSON.parse(await repo.git('show', `${next.task.agents[0].branch}:manifest.json`)) as Manifest;
    const fresh = await freshManifest(base);

    const withoutCache = (entries: Record<string, unknown>) => Object.fromEntries(Object.entries(entries).filter(([path]) => !path.startsWith('node_modules')));
    expect(withoutCache(reused.entries)).toEqual(fresh.entries);
    expect(reused.entries['node_modules/dep/index.js']).toMatchObject({ type: 'file' });
    expect(reused.status.split('\n').filter((line) => !line.includes('node_modules')).join('\n')).toBe(fresh.status);
    expect(reused).toMatchObject({ mergeInProgress: false, flaggedIndexEntries: [], head: base });
    expect(fresh.entries.link).toEqual({ type: 'link', target: 'README.md' });
    expect(fresh.entries['run.sh']).toMatchObject({ mode: '755' });
  });

  it("holds no attempt's branch while idle: both can be discarded", async () => {
    expect(branches).toHaveLength(2);
    for (const branch of branches) await repo.git('branch', '-D', branch);
    expect(await repo.git('branch', '--list', 'kage/*')).toBe('');
  });

  it('keeps at most its size per repository, and nothing past its disk cap', async () => {
    const capped = await startTestService({ kind: 'pglite', workers: 1, env: { KAGE_WORKTREE_POOL_SIZE: '1', KAGE_WORKTREE_POOL_MAX_MB: '1' } });
    try {
      const write = (megabytes: number) => [process.execPath, '-e', `require('fs').mkdirSync('node_modules',{recursive:true});require('fs').writeFileSync('node_modules/blob', Buffer.alloc(${megabytes}*1048576, 1))`];
      const response = await capped.request('/api/v1/tasks', {
        method: 'POST',
        json: {
          description: 'fill the pool',
          repository: { path: repo.path },
          setup: { keep: ['node_modules'] },
          agents: [{ agent: 'command', command: write(0) }, { agent: 'command', command: write(0) }, { agent: 'command', command: write(3) }],
        },
      });
      const task = await waitForTaskEnd(capped, (await response.json()).id);
      expect(task.status).toBe('completed');
      const health = (await (await capped.services.app.request('/health')).json()) as { worktreePool: { idle: number; diskMb: number; maxMb: number } };
      expect(health.worktreePool).toMatchObject({ idle: 1, maxMb: 1 });
      expect(health.worktreePool.diskMb).toBeLessThanOrEqual(1);
      // What the pool does not keep is gone from disk, and from git's list of worktrees.
      const pooled = join(capped.dataDir, 'pool');
      const kept = (await readdir(pooled)).length === 1 ? await readdir(join(pooled, (await readdir(pooled))[0]!)) : [];
      expect(kept).toHaveLength(1);
      const listed = (await repo.git('worktree', 'list', '--porcelain')).split('\n').filter((line) => line.startsWith('worktree ') && line.includes(capped.dataDir));
      expect(listed).toHaveLength(1);
    } finally {
      await capped.stop();
    }
  });
});
