import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConflictDetector } from '../../../service/src/merge/conflict-detector.ts';
import { BranchNotFoundError } from '../../../service/src/merge/merge-errors.ts';
import { RefNotFoundError } from '../../../service/src/git/repository.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';

describe('ConflictDetector.check', () => {
  let repo: TestRepo;
  const detector = new ConflictDetector();

  beforeEach(async () => {
    repo = await createTestRepo({ 'shared.txt': 'one\ntwo\nthree\n', 'doomed.txt': 'old\n', 'other.txt': 'x\n' });
  });
  afterEach(() => repo.cleanup());

  it('reports a clean merge without touching the checkout', async () => {
    await repo.commitOnBranch('kage/aaaa/agent', { 'feature.txt': 'new\n' });
    await repo.commit({ 'other.txt': 'y\n' }, 'main moves on');
    await repo.write({ 'other.txt': 'uncommitted edit\n' });
    const head = await repo.head();

    const check = await detector.check({ repoPath: repo.path, sourceBranch: 'kage/aaaa/agent', targetBranch: 'main' });

    expect(check).toMatchObject({ clean: true, conflicts: [], alreadyMerged: false, targetCommit: head });
    expect(await repo.head()).toBe(head);
    expect(await repo.read('other.txt')).toBe('uncommitted edit\n');
    expect(await repo.git('status', '--porcelain')).toBe('M other.txt');
  });

  it('lists each conflicting file with the kind of conflict', async () => {
    await repo.commitOnBranch('kage/aaaa/agent', {
      'shared.txt': 'one\nAGENT\nthree\n',
      'doomed.txt': null,
      'both-added.txt': 'agent version\n',
      'fine.txt': 'no conflict\n',
    });
    await repo.commit({ 'shared.txt': 'one\nMAIN\nthree\n', 'doomed.txt': 'changed on main\n', 'both-added.txt': 'main version\n' });
    const head = await repo.head();

    const check = await detector.check({ repoPath: repo.path, sourceBranch: 'kage/aaaa/agent', targetBranch: 'main' });

    expect(check.clean).toBe(false);
    expect(check.conflicts.map(({ path, kind }) => ({ path, kind }))).toEqual([
      { path: 'both-added.txt', kind: 'add/add' },
      { path: 'doomed.txt', kind: 'modify/delete' },
      { path: 'shared.txt', kind: 'content' },
    ]);
    expect(check.conflicts.find((c) => c.path === 'doomed.txt')?.message).toContain('deleted in');
    expect(await repo.head()).toBe(head);
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('says when the source is already merged, and rejects unknown branches', async () => {
    await repo.git('branch', 'kage/aaaa/old');
    await repo.commit({ 'other.txt': 'later\n' });
    expect(await detector.check({ repoPath: repo.path, sourceBranch: 'kage/aaaa/old', targetBranch: 'main' })).toMatchObject({
      clean: true,
      alreadyMerged: true,
    });
    await expect(detector.check({ repoPath: repo.path, sourceBranch: 'kage/aaaa/old', targetBranch: 'nope' })).rejects.toThrow(
      BranchNotFoundError,
    );
    await expect(detector.check({ repoPath: repo.path, sourceBranch: 'nope', targetBranch: 'main' })).rejects.toThrow(
      RefNotFoundError,
    );
  });
});
