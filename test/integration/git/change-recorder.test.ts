import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeRecorder } from '../../../service/src/git/change-recorder.ts';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { type Worktree, WorktreeManager } from '../../../service/src/git/worktree-manager.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';

describe('ChangeRecorder.commitAll', () => {
  let repo: TestRepo;
  let dataDir: string;
  let worktree: Worktree;
  const recorder = new ChangeRecorder();

  beforeEach(async () => {
    repo = await createTestRepo({ 'keep.txt': 'same\n', 'edit.txt': 'one\ntwo\n', 'gone.txt': 'bye\n', '.gitignore': 'build/\n' });
    dataDir = await makeTempDir('kage-data-');
    const manager = new WorktreeManager({ dataDir, lock: new RepoLock() });
    worktree = await manager.create({ repoPath: repo.path, taskId: randomUUID(), label: 'agent', baseCommit: await repo.head() });
  });
  afterEach(async () => {
    await repo.cleanup();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('commits new, modified and deleted files and measures them against the base', async () => {
    await repo.write({ 'edit.txt': 'one\nTWO\nthree\n', 'gone.txt': null, 'new/dir/file.txt': 'a\nb\n', 'build/out.o': 'x' }, worktree.path);
    const result = await recorder.commitAll({
      worktreePath: worktree.path,
      baseCommit: worktree.baseCommit,
      message: 'claude: add the thing',
      author: { name: 'Claude Code', email: 'claude@kage.local' },
    });

    expect(result.committed).toBe(true);
    expect(result.filesChanged.sort()).toEqual(['edit.txt', 'gone.txt', 'new/dir/file.txt']);
    expect(result.insertions).toBe(4);
    expect(result.deletions).toBe(2);
    expect(await repo.head(worktree.branch)).toBe(result.headCommit);
    expect(await repo.git('log', '-1', '--format=%an <%ae>|%s', worktree.branch)).toBe('Claude Code <claude@kage.local>|claude: add the thing');
    expect(await repo.git('status', '--porcelain', '--untracked-files=no')).toBe('');
    // Ignored output stays out of the commit.
    expect(await repo.git('ls-tree', '-r', '--name-only', worktree.branch)).not.toContain('build/out.o');
  });

  it('counts commits the agent made itself plus what it left uncommitted', async () => {
    await repo.commit({ 'agent1.txt': '1\n' }, 'agent commit', worktree.path);
    await repo.write({ 'agent2.txt': '2\n' }, worktree.path);
    const result = await recorder.commitAll({ worktreePath: worktree.path, baseCommit: worktree.baseCommit, message: 'rest' });
    expect(result.filesChanged.sort()).toEqual(['agent1.txt', 'agent2.txt']);
    expect(await repo.git('rev-list', '--count', `${worktree.baseCommit}..${worktree.branch}`)).toBe('2');
  });

  it('makes no commit when the agent changed nothing', async () => {
    const result = await recorder.commitAll({ worktreePath: worktree.path, baseCommit: worktree.baseCommit, message: 'nothing' });
    expect(result).toEqual({ headCommit: worktree.baseCommit, committed: false, filesChanged: [], insertions: 0, deletions: 0 });
  });
});
