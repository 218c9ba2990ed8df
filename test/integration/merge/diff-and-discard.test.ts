import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeRecorder } from '../../../service/src/git/change-recorder.ts';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { WorktreeManager } from '../../../service/src/git/worktree-manager.ts';
import { DiffReader } from '../../../service/src/merge/diff-reader.ts';
import { discardAttempts } from '../../../service/src/merge/discard.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';

describe('DiffReader and discardAttempts', () => {
  let repo: TestRepo;
  let dataDir: string;
  let manager: WorktreeManager;

  beforeEach(async () => {
    repo = await createTestRepo({ 'app.txt': 'a\nb\nc\n', 'old.txt': 'old\n' });
    dataDir = await makeTempDir('kage-data-');
    manager = new WorktreeManager({ dataDir, lock: new RepoLock() });
  });
  afterEach(async () => {
    await repo.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('bounds a huge diff per file and in total, marking the cuts, with stats for every file', async () => {
    const base = await repo.head();
    await repo.commitOnBranch('kage/huge/x', {
      'a-huge.txt': 'a line of a very large generated file\n'.repeat(5_000),
      'b-small.txt': 'small\n',
      'c-huge.txt': 'another line\n'.repeat(200_000),
    });
    const diff = await new DiffReader({ maxTotal: 600_000, maxPerFile: 50_000 }).diff({ repoPath: repo.path, baseCommit: base, branch: 'kage/huge/x' });
    expect(diff.truncated).toBe(true);
    expect(diff.truncatedFiles).toContain('a-huge.txt');
    expect(diff.patch).toMatch(/… \[diff of a-huge\.txt cut: \d+ more characters\]/);
    expect(diff.patch).toContain('+small');
    expect(diff.patch).toMatch(/… \[diff cut at 600000 characters/);
    expect(diff.patch.length).toBeLessThan(200_000);
    expect(diff.stats.files.map((file) => file.path)).toEqual(['a-huge.txt', 'b-small.txt', 'c-huge.txt']);
  });

  it("gives the attempt's unified diff against the base with per-file stats, ignoring later target commits", async () => {
    const base = await repo.head();
    const worktree = await manager.create({ repoPath: repo.path, taskId: randomUUID(), label: 'gemini', baseCommit: base });
    await repo.write({ 'app.txt': 'a\nB\nc\nd\n', 'old.txt': null, 'new.txt': 'new\n' }, worktree.path);
    await new ChangeRecorder().commitAll({ worktreePath: worktree.path, baseCommit: base, message: 'gemini' });
    await repo.commit({ 'unrelated.txt': 'main moved\n' });

    const diff = await new DiffReader().diff({ repoPath: repo.path, baseCommit: base, branch: worktree.branch });

    expect(diff.baseCommit).toBe(base);
    expect(diff.headCommit).toBe(await repo.head(worktree.branch));
    expect(diff.patch).toContain('diff --git a/app.txt b/app.txt');
    expect(diff.patch).toContain('-b\n+B\n');
    expect(diff.patch).toContain('+++ b/new.txt');
    expect(diff.patch).toContain('deleted file mode');
    expect(diff.patch).not.toContain('unrelated.txt');
    expect(diff.stats.files).toEqual([
      { path: 'app.txt', insertions: 2, deletions: 1, binary: false },
      { path: 'new.txt', insertions: 1, deletions: 0, binary: false },
      { path: 'old.txt', insertions: 0, deletions: 1, binary: false },
    ]);
    expect(diff.stats).toMatchObject({ insertions: 3, deletions: 2 });
  });

  it("removes a task's worktrees and branches, tolerating ones already gone", async () => {
    const base = await repo.head();
    const taskId = randomUUID();
    const a = await manager.create({ repoPath: repo.path, taskId, label: 'a', baseCommit: base });
    const b = await manager.create({ repoPath: repo.path, taskId, label: 'b', baseCommit: base });
    await manager.remove(repo.path, b.path);

    const result = await discardAttempts(manager, {
      repoPath: repo.path,
      worktrees: [a.path, b.path],
      branches: [a.branch, b.branch, 'kage/00000000/never-existed'],
    });

    expect(result.deletedBranches).toEqual([a.branch, b.branch]);
    expect(existsSync(a.path)).toBe(false);
    expect(await repo.git('worktree', 'list', '--porcelain')).not.toContain(a.path);
    expect(await repo.git('branch', '--list', 'kage/*')).toBe('');
    expect(await repo.head('main')).toBe(base);
  });
});
