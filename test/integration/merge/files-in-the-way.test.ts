/**
 * A user's untracked and ignored files survive a merge into the branch they have checked out:
 * git would overwrite an ignored `.env` or delete an ignored `build/` folder without a word, so
 * the merge refuses (409, naming the files) and changes nothing, or goes ahead when nothing of
 * theirs is in the way.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { FilesInTheWayError } from '../../../service/src/merge/merge-errors.ts';
import { MergeStrategies } from '../../../service/src/merge/merge-strategies.ts';
import { createTestRepo, makeTempDir, runGitIn, type TestRepo } from '../../support/git-repo.ts';

/** Commits `files` on a new branch from main, force-adding them (an attempt may commit ignored paths). */
async function attemptBranch(repo: TestRepo, branch: string, files: Record<string, string | null>): Promise<void> {
  const scratch = await makeTempDir('kage-attempt-');
  const worktree = join(scratch, 'wt');
  await repo.git('worktree', 'add', '--quiet', '-b', branch, worktree, 'main');
  try {
    for (const [path, content] of Object.entries(files)) {
      if (content === null) {
        await runGitIn(worktree, ['rm', '--quiet', '-r', '--', path]);
      } else {
        await mkdir(join(worktree, path, '..'), { recursive: true });
        await writeFile(join(worktree, path), content);
        await runGitIn(worktree, ['add', '--force', '--', path]);
      }
    }
    await runGitIn(worktree, ['commit', '--quiet', '-m', `attempt ${branch}`]);
  } finally {
    await repo.git('worktree', 'remove', '--force', worktree);
    await rm(scratch, { recursive: true, force: true });
  }
}

const merge = (repo: TestRepo, sourceBranch: string, strategy: 'auto' | 'theirs') =>
  new MergeStrategies(new RepoLock()).merge({ repoPath: repo.path, sourceBranch, targetBranch: 'main', strategy });

describe.each(['auto', 'theirs'] as const)('merging into a checked-out branch (%s)', (strategy) => {
  let repo: TestRepo;

  beforeEach(async () => {
    repo = await createTestRepo({ 'README.md': '# app\n', '.gitignore': '.env\nbuild/\n*.log\nlocal\n', 'src/app.js': 'app\n' });
  });
  afterEach(() => repo.cleanup());

  const refused = async (branch: string, paths: string[]) => {
    const head = await repo.head();
    const status = await repo.git('status', '--porcelain', '--ignored');
    const error = await merge(repo, branch, strategy).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FilesInTheWayError);
    expect((error as FilesInTheWayError).paths).toEqual(paths);
    expect((error as FilesInTheWayError).message).toMatch(/move them out of the way/);
    expect(await repo.head()).toBe(head);
    expect(await repo.git('status', '--porcelain', '--ignored')).toBe(status);
  };

  it('refuses to replace an ignored file the attempt committed (.env), and keeps the user\'s', async () => {
    await repo.write({ '.env': 'SECRET=mine\n' });
    await attemptBranch(repo, 'kage/t/env', { '.env': 'SECRET=agent\n' });
    await refused('kage/t/env', ['.env']);
    expect(await repo.read('.env')).toBe('SECRET=mine\n');
  });

  it('refuses to delete an ignored folder where the attempt committed a file of that name (build)', async () => {
    await repo.write({ 'build/out.js': 'compiled\n' });
    await attemptBranch(repo, 'kage/t/build', { build: 'a file now\n' });
    await refused('kage/t/build', ['build']);
    expect(await repo.read('build/out.js')).toBe('compiled\n');
  });

  it('refuses to delete an untracked file where the attempt needs a folder (local → local/settings.yml)', async () => {
    await repo.write({ local: 'my notes\n' });
    await attemptBranch(repo, 'kage/t/folder', { 'local/settings.yml': 'x: 1\n' });
    await refused('kage/t/folder', ['local']);
    expect(await repo.read('local')).toBe('my notes\n');
  });

  it('refuses to overwrite an untracked, not ignored file', async () => {
    await repo.write({ 'TODO.txt': 'mine\n' });
    await attemptBranch(repo, 'kage/t/untracked', { 'TODO.txt': 'agent\n' });
    await refused('kage/t/untracked', ['TODO.txt']);
    expect(await repo.read('TODO.txt')).toBe('mine\n');
  });

  it('refuses a case-only rename onto an untracked file of the new name', async () => {
    await repo.write({ 'Readme.md': 'my draft\n' });
    await attemptBranch(repo, 'kage/t/case', { 'README.md': null, 'Readme.md': '# app\n' });
    await refused('kage/t/case', ['Readme.md']);
    expect(await repo.read('Readme.md')).toBe('my draft\n');
  });

  it('updates a force-added ignored file that is tracked, and leaves untracked and ignored files out of the way alone', async () => {
    await repo.write({ 'debug.log': '' });
    await repo.git('add', '--force', '--', 'debug.log');
    await repo.git('commit', '--quiet', '-m', 'track a log on purpose');
    await repo.write({ '.env': 'SECRET=mine\n', 'build/out.js': 'compiled\n', 'scratch.txt': 'mine\n' });
    await attemptBranch(repo, 'kage/t/fine', { 'debug.log': 'agent log\n', 'build/new.js': 'new\n', 'src/app.js': 'app v2\n' });

    const outcome = await merge(repo, 'kage/t/fine', strategy);
    expect(outcome.status).toBe('merged');
    expect(await repo.read('src/app.js')).toBe('app v2\n');
    expect(await repo.read('debug.log')).toBe('agent log\n');
    expect(await repo.read('build/new.js')).toBe('new\n');
    expect(await repo.read('.env')).toBe('SECRET=mine\n');
    expect(await repo.read('build/out.js')).toBe('compiled\n');
    expect(await readFile(join(repo.path, 'scratch.txt'), 'utf8')).toBe('mine\n');
  });
});
