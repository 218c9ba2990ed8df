import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { MergeConflictError } from '../../../service/src/merge/merge-errors.ts';
import { mergeReviewBranch } from '../../../service/src/git/attempt-branch.ts';
import { MergeStrategies } from '../../../service/src/merge/merge-strategies.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';

const source = 'kage/1234abcd/claude-1';

describe('MergeStrategies strategies', () => {
  let repo: TestRepo;
  let executor: MergeStrategies;

  beforeEach(async () => {
    repo = await createTestRepo({
      'shared.txt': 'one\ntwo\nthree\n',
      'agent-deletes.txt': 'keep me?\n',
      'main-deletes.txt': 'v1\n',
      'untouched.txt': 'same\n',
    });
    executor = new MergeStrategies(new RepoLock());
  });
  afterEach(() => repo.cleanup());

  async function makeConflictingHistories() {
    const agentCommit = await repo.commitOnBranch(source, {
      'shared.txt': 'one\nAGENT\nthree\n',
      'agent-deletes.txt': null,
      'main-deletes.txt': 'v2 by agent\n',
      'agent-new.txt': 'hello\n',
    });
    const mainCommit = await repo.commit({
      'shared.txt': 'one\nMAIN\nthree\n',
      'agent-deletes.txt': 'edited on main\n',
      'main-deletes.txt': null,
    });
    return { agentCommit, mainCommit };
  }

  const parents = async (commit: string) => (await repo.git('rev-list', '--parents', '-n', '1', commit)).split(' ').slice(1);

  it('auto: merges a clean attempt with a merge commit and updates the checked-out target', async () => {
    const agentCommit = await repo.commitOnBranch(source, { 'agent-new.txt': 'hello\n', 'shared.txt': 'one\ntwo\nthree\nfour\n' });
    const before = await repo.head();

    const outcome = await executor.merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'auto' });

    expect(outcome).toMatchObject({ status: 'merged', strategy: 'auto', alreadyUpToDate: false, previousTargetCommit: before });
    expect(outcome.status === 'merged' && outcome.updatedCheckouts).toEqual([repo.path]);
    expect(await repo.head()).toBe(outcome.commit);
    expect(await parents(outcome.commit)).toEqual([before, agentCommit]);
    expect(await repo.git('log', '-1', '--format=%s')).toBe(`Merge branch '${source}' into main`);
    // The user's checkout shows the merge and is clean.
    expect(await repo.read('agent-new.txt')).toBe('hello\n');
    expect(await repo.read('shared.txt')).toBe('one\ntwo\nthree\nfour\n');
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('auto with squash and a message: one single-parent commit', async () => {
    await repo.commitOnBranch(source, { 'a.txt': 'a\n' });
    await repo.commitOnBranch(source, { 'b.txt': 'b\n' });
    const before = await repo.head();
    const outcome = await executor.merge({
      repoPath: repo.path,
      sourceBranch: source,
      targetBranch: 'main',
      strategy: 'auto',
      squash: true,
      message: 'Add a and b (from claude-1)',
    });
    expect(await parents(outcome.commit)).toEqual([before]);
    expect(await repo.git('log', '-1', '--format=%s')).toBe('Add a and b (from claude-1)');
    expect(await repo.git('ls-tree', '--name-only', 'main')).toContain('b.txt');
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('auto: conflicts throw MergeConflictError and change nothing', async () => {
    const { mainCommit } = await makeConflictingHistories();
    const error = await executor
      .merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'auto' })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MergeConflictError);
    expect((error as MergeConflictError).conflicts.map((c) => c.path)).toEqual(['agent-deletes.txt', 'main-deletes.txt', 'shared.txt']);
    expect(await repo.head()).toBe(mainCommit);
    expect(await repo.git('status', '--porcelain')).toBe('');
    expect(await repo.git('worktree', 'list', '--porcelain')).not.toContain('kage-merge-');
  });

  it('auto: an attempt already in the target is up to date and moves nothing', async () => {
    await repo.git('branch', source);
    const head = await repo.head();
    const outcome = await executor.merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'auto' });
    expect(outcome).toMatchObject({ status: 'merged', alreadyUpToDate: true, commit: head });
    expect(await repo.head()).toBe(head);
  });

  it("theirs: settles every conflict in the attempt's favour, keeping the target's other changes", async () => {
    const { agentCommit, mainCommit } = await makeConflictingHistories();
    await repo.commit({ 'untouched.txt': 'main only change\n' });
    const before = await repo.head();

    const outcome = await executor.merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'theirs' });

    expect(outcome.status).toBe('merged');
    expect(outcome.conflicts.map((c) => c.path)).toEqual(['agent-deletes.txt', 'main-deletes.txt', 'shared.txt']);
    expect(await repo.head()).toBe(outcome.commit);
    expect(await parents(outcome.commit)).toEqual([before, agentCommit]);
    expect(await repo.read('shared.txt')).toBe('one\nAGENT\nthree\n');
    expect(await repo.read('main-deletes.txt')).toBe('v2 by agent\n');
    await expect(repo.read('agent-deletes.txt')).rejects.toThrow();
    expect(await repo.read('untouched.txt')).toBe('main only change\n');
    expect(await repo.git('status', '--porcelain')).toBe('');
    expect(await repo.git('merge-base', '--is-ancestor', mainCommit, 'main')).toBe('');
    expect(await repo.git('worktree', 'list', '--porcelain')).not.toContain('kage-merge-');
  });

  it('theirs with squash: one single-parent commit with the attempt winning', async () => {
    await makeConflictingHistories();
    const before = await repo.head();
    const outcome = await executor.merge({
      repoPath: repo.path,
      sourceBranch: source,
      targetBranch: 'main',
      strategy: 'theirs',
      squash: true,
    });
    expect(await parents(outcome.commit)).toEqual([before]);
    expect(await repo.read('shared.txt')).toBe('one\nAGENT\nthree\n');
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('theirs: binary and rename/delete conflicts also end with the attempt\'s side', async () => {
    await repo.commit({ 'image.bin': '\u0000base\u0000', 'moved.txt': 'a\nb\n' }, 'more files');
    await repo.commitOnBranch(source, { 'image.bin': '\u0000agent\u0000', 'moved.txt': null, 'renamed/moved.txt': 'a\nb\n' });
    await repo.commit({ 'image.bin': '\u0000main\u0000', 'moved.txt': null });

    const outcome = await executor.merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'theirs' });

    expect(outcome.conflicts.map((c) => c.path).sort()).toEqual(expect.arrayContaining(['image.bin']));
    expect(await repo.read('image.bin')).toBe('\u0000agent\u0000');
    expect(await repo.read('renamed/moved.txt')).toBe('a\nb\n');
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('manual: leaves the target alone and commits the merge attempt with conflict markers on the review branch', async () => {
    const taskId = '1234abcd-0000-4000-8000-000000000000';
    const { agentCommit, mainCommit } = await makeConflictingHistories();
    const reviewBranch = mergeReviewBranch(taskId, 'claude-1');
    expect(reviewBranch).toBe('kage/1234abcd0000/merge-claude-1');

    const outcome = await executor.merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'manual', reviewBranch });

    expect(outcome).toMatchObject({ status: 'manual', reviewBranch, clean: false, targetCommit: mainCommit });
    expect(outcome.conflicts.map((c) => c.path)).toEqual(['agent-deletes.txt', 'main-deletes.txt', 'shared.txt']);
    expect(await repo.head()).toBe(mainCommit);
    expect(await repo.git('status', '--porcelain')).toBe('');
    expect(await repo.head(reviewBranch)).toBe(outcome.commit);
    expect(await parents(outcome.commit)).toEqual([mainCommit, agentCommit]);
    const shared = await repo.git('show', `${reviewBranch}:shared.txt`);
    expect(shared).toContain('<<<<<<<');
    expect(shared).toContain('AGENT');
    expect(shared).toContain('MAIN');
    expect(await repo.git('log', '-1', '--format=%B', reviewBranch)).toContain('shared.txt (content)');

    // Asking again replaces the review branch with a fresh attempt.
    await repo.commit({ 'untouched.txt': 'newer main\n' });
    const again = await executor.merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'manual', reviewBranch });
    expect(await repo.head(reviewBranch)).toBe(again.commit);
    expect(again.commit).not.toBe(outcome.commit);
  });

  it('manual on a clean attempt: the review branch holds a finished merge', async () => {
    await repo.commitOnBranch(source, { 'agent-new.txt': 'hello\n' });
    const head = await repo.head();
    const reviewBranch = 'kage/1234abcd/merge-claude-1';
    const outcome = await executor.merge({ repoPath: repo.path, sourceBranch: source, targetBranch: 'main', strategy: 'manual', reviewBranch });
    expect(outcome).toMatchObject({ status: 'manual', clean: true, conflicts: [] });
    expect(await repo.head()).toBe(head);
    expect(await repo.git('show', `${reviewBranch}:agent-new.txt`)).toBe('hello');
  });
});
