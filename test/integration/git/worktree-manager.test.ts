import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { InvalidLabelError, taskShortId } from '../../../service/src/git/attempt-branch.ts';
import { isGitRepository, RefNotFoundError, resolveCommit } from '../../../service/src/git/repository.ts';
import { WorktreeManager } from '../../../service/src/git/worktree-manager.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';

describe('WorktreeManager', () => {
  let repo: TestRepo;
  let dataDir: string;
  let manager: WorktreeManager;

  beforeEach(async () => {
    repo = await createTestRepo({ 'src/app.txt': 'v1\n' });
    dataDir = await makeTempDir('kage-data-');
    manager = new WorktreeManager({ dataDir, lock: new RepoLock() });
  });
  afterEach(async () => {
    await repo.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a worktree on kage/<short>/<label> at the base commit, and removes it keeping the branch', async () => {
    const base = await repo.head();
    await repo.commit({ 'src/app.txt': 'v2 on main\n' });
    const taskId = randomUUID();
    const short = taskShortId(taskId);
    const worktree = await manager.create({ repoPath: repo.path, taskId, label: 'claude-1', baseCommit: base });

    expect(worktree.path).toBe(join(dataDir, 'worktrees', short, 'claude-1'));
    expect(worktree.branch).toBe(`kage/${short}/claude-1`);
    expect(await repo.read('src/app.txt', worktree.path)).toBe('v1\n');
    expect(await repo.head(worktree.branch)).toBe(base);
    // --no-track: the attempt branch has no upstream.
    await expect(repo.git('rev-parse', '--abbrev-ref', `${worktree.branch}@{upstream}`)).rejects.toThrow();

    await manager.remove(repo.path, worktree.path);
    expect(existsSync(worktree.path)).toBe(false);
    expect(await repo.git('worktree', 'list', '--porcelain')).not.toContain(worktree.path);
    expect(await repo.head(worktree.branch)).toBe(base);

    await manager.removeBranch(repo.path, worktree.branch);
    await expect(repo.head(worktree.branch)).rejects.toThrow();
    await manager.removeBranch(repo.path, worktree.branch);
  });

  it('creates 8 worktrees of one repository at once', async () => {
    const base = await repo.head();
    const taskId = randomUUID();
    const labels = Array.from({ length: 8 }, (_, i) => `agent-${i + 1}`);
    const worktrees = await Promise.all(
      labels.map((label) => manager.create({ repoPath: repo.path, taskId, label, baseCommit: base })),
    );
    const listed = await repo.git('worktree', 'list', '--porcelain');
    for (const worktree of worktrees) {
      expect(listed).toContain(`worktree ${worktree.path}`);
      expect(await repo.read('src/app.txt', worktree.path)).toBe('v1\n');
    }
    expect(new Set(worktrees.map((w) => w.branch)).size).toBe(8);
  });

  it('re-creating an attempt starts it afresh from the base commit', async () => {
    const base = await repo.head();
    const taskId = randomUUID();
    const first = await manager.create({ repoPath: repo.path, taskId, label: 'codex', baseCommit: base });
    await repo.commit({ 'src/app.txt': 'half-done work\n' }, 'attempt before crash', first.path);
    await writeFile(join(first.path, 'scratch.txt'), 'uncommitted');

    const again = await manager.create({ repoPath: repo.path, taskId, label: 'codex', baseCommit: base });
    expect(again.path).toBe(first.path);
    expect(await repo.head(again.branch)).toBe(base);
    expect(existsSync(join(again.path, 'scratch.txt'))).toBe(false);
  });

  it('prunes worktrees and directories that belong to no running task, keeping known ones and branches', async () => {
    const base = await repo.head();
    const running = await manager.create({ repoPath: repo.path, taskId: randomUUID(), label: 'a', baseCommit: base });
    const orphan = await manager.create({ repoPath: repo.path, taskId: randomUUID(), label: 'b', baseCommit: base });
    const vanished = await manager.create({ repoPath: repo.path, taskId: randomUUID(), label: 'c', baseCommit: base });
    await rm(vanished.path, { recursive: true, force: true });
    const stray = join(dataDir, 'worktrees', 'deadbeef', 'x');
    await mkdir(stray, { recursive: true });
    const outsider = await makeTempDir('kage-outside-');
    await repo.git('worktree', 'add', '--detach', join(outsider, 'wt'), base);

    const removed = await manager.pruneOrphans([repo.path], [running.path]);

    expect(removed.sort()).toEqual([orphan.path, stray].sort());
    const listed = await repo.git('worktree', 'list', '--porcelain');
    expect(listed).toContain(running.path);
    expect(listed).not.toContain(orphan.path);
    expect(listed).not.toContain(vanished.path);
    // Worktrees outside the data directory are the user's.
    expect(listed).toContain(join(outsider, 'wt'));
    expect(existsSync(join(dataDir, 'worktrees', 'deadbeef'))).toBe(false);
    expect(await repo.head(orphan.branch)).toBe(base);
    await rm(outsider, { recursive: true, force: true });
  });

  it('rejects labels that would escape the data directory', async () => {
    const base = await repo.head();
    for (const label of ['../x', 'a/b', '', '-x', 'x.lock']) {
      await expect(manager.create({ repoPath: repo.path, taskId: randomUUID(), label, baseCommit: base })).rejects.toThrow(
        InvalidLabelError,
      );
    }
  });

  it('resolves commits and recognises repositories', async () => {
    expect(await resolveCommit(repo.path, 'main')).toBe(await repo.head());
    await expect(resolveCommit(repo.path, 'no-such-branch')).rejects.toThrow(RefNotFoundError);
    await expect(resolveCommit(repo.path, '--output=/tmp/x')).rejects.toThrow(RefNotFoundError);
    expect(await isGitRepository(repo.path)).toBe(true);
    expect(await isGitRepository(join(repo.path, 'src'))).toBe(false);
    expect(await isGitRepository(dataDir)).toBe(false);
    expect(await isGitRepository(join(dataDir, 'missing'))).toBe(false);
  });
});
