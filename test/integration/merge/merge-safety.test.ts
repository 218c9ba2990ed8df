import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { DirtyCheckoutError, FilesInTheWayError, TargetMovedError } from '../../../service/src/merge/merge-errors.ts';
import { type MergeOutcome, type MergeRequest, MergeStrategies } from '../../../service/src/merge/merge-strategies.ts';
import type { Db } from '../../../service/src/db/db.ts';
import { PostgresDriver } from '../../../service/src/db/postgres-driver.ts';
import { createPostgresDatabase, driverKinds, openTestDb } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';

/** A lock that lets someone else commit to the target just before the merge's ref update. */
class InterleavingLock extends RepoLock {
  private interleave: (() => Promise<void>) | undefined;

  constructor(interleave: () => Promise<void>) {
    super();
    this.interleave = interleave;
  }

  override async withRepoLock<T>(repoPath: string, work: () => Promise<T>): Promise<T> {
    const interleave = this.interleave;
    this.interleave = undefined;
    await interleave?.();
    return super.withRepoLock(repoPath, work);
  }
}

async function mergeWithRetry(executor: MergeStrategies, request: MergeRequest): Promise<{ outcome: MergeOutcome; retries: number }> {
  for (let retries = 0; ; retries += 1) {
    try {
      return { outcome: await executor.merge(request), retries };
    } catch (error) {
      if (!(error instanceof TargetMovedError) || retries >= 5) throw error;
    }
  }
}

describe('MergeStrategies safety', () => {
  let repo: TestRepo;

  beforeEach(async () => {
    repo = await createTestRepo({ 'shared.txt': 'one\ntwo\nthree\n', 'notes.txt': 'notes\n' });
  });
  afterEach(() => repo.cleanup());

  for (const strategy of ['auto', 'theirs'] as const) {
    it(`${strategy}: a checked-out target with uncommitted changes is refused and nothing changes`, async () => {
      await repo.commitOnBranch('kage/aaaa/x', { 'shared.txt': 'one\nAGENT\nthree\n' });
      await repo.write({ 'notes.txt': 'my unsaved work\n' });
      const head = await repo.head();

      const error = await new MergeStrategies(new RepoLock())
        .merge({ repoPath: repo.path, sourceBranch: 'kage/aaaa/x', targetBranch: 'main', strategy })
        .catch((caught: unknown) => caught);

      expect(error).toBeInstanceOf(DirtyCheckoutError);
      expect((error as DirtyCheckoutError).paths).toEqual(['notes.txt']);
      expect((error as DirtyCheckoutError).checkoutPath).toBe(repo.path);
      expect(await repo.head()).toBe(head);
      expect(await repo.read('notes.txt')).toBe('my unsaved work\n');
      expect(await repo.read('shared.txt')).toBe('one\ntwo\nthree\n');
    });
  }

  it('an untracked file the merge would overwrite is refused, and the target is put back', async () => {
    await repo.commitOnBranch('kage/aaaa/x', { 'report.md': 'agent report\n' });
    await repo.write({ 'report.md': 'my own untracked draft\n' });
    const head = await repo.head();

    await expect(
      new MergeStrategies(new RepoLock()).merge({ repoPath: repo.path, sourceBranch: 'kage/aaaa/x', targetBranch: 'main', strategy: 'auto' }),
    ).rejects.toThrow(FilesInTheWayError);

    expect(await repo.head()).toBe(head);
    expect(await repo.read('report.md')).toBe('my own untracked draft\n');
    expect(await repo.git('status', '--porcelain')).toBe('?? report.md');
  });

  it('a target checked out in another worktree is updated there; a target not checked out just moves', async () => {
    const elsewhere = await makeTempDir('kage-user-wt-');
    const releaseCheckout = join(elsewhere, 'release');
    await repo.git('worktree', 'add', '-b', 'release', releaseCheckout, 'main');
    await repo.git('branch', 'staging');
    await repo.commitOnBranch('kage/aaaa/x', { 'feature.txt': 'feature\n' });
    const executor = new MergeStrategies(new RepoLock());

    const toRelease = await executor.merge({ repoPath: repo.path, sourceBranch: 'kage/aaaa/x', targetBranch: 'release', strategy: 'auto' });
    expect(toRelease.status === 'merged' && toRelease.updatedCheckouts).toEqual([releaseCheckout]);
    expect(await repo.read('feature.txt', releaseCheckout)).toBe('feature\n');
    expect(await repo.git('-C', releaseCheckout, 'status', '--porcelain')).toBe('');

    const toStaging = await executor.merge({ repoPath: repo.path, sourceBranch: 'kage/aaaa/x', targetBranch: 'staging', strategy: 'auto' });
    expect(toStaging.status === 'merged' && toStaging.updatedCheckouts).toEqual([]);
    expect(await repo.head('staging')).toBe(toStaging.commit);
    // The main checkout (on main) is untouched.
    await expect(repo.read('feature.txt')).rejects.toThrow();
    await rm(elsewhere, { recursive: true, force: true });
  });

  it('a target that moved since the task started merges three-way, keeping both sides', async () => {
    await repo.commitOnBranch('kage/aaaa/x', { 'shared.txt': 'one\ntwo\nthree\nagent line\n' });
    const moved = await repo.commit({ 'shared.txt': 'main line\none\ntwo\nthree\n', 'notes.txt': 'newer notes\n' });

    const outcome = await new MergeStrategies(new RepoLock()).merge({
      repoPath: repo.path,
      sourceBranch: 'kage/aaaa/x',
      targetBranch: 'main',
      strategy: 'auto',
    });

    expect(outcome.status === 'merged' && outcome.previousTargetCommit).toBe(moved);
    expect(await repo.read('shared.txt')).toBe('main line\none\ntwo\nthree\nagent line\n');
    expect(await repo.read('notes.txt')).toBe('newer notes\n');
  });

  it('a commit landing on the target during the merge is never overwritten: TargetMovedError, then a retry merges on top', async () => {
    await repo.commitOnBranch('kage/aaaa/x', { 'feature.txt': 'feature\n' });
    let concurrent = '';
    const executor = new MergeStrategies(
      new InterleavingLock(async () => {
        concurrent = await repo.commit({ 'notes.txt': 'someone else committed\n' }, 'concurrent commit');
      }),
    );
    const request: MergeRequest = { repoPath: repo.path, sourceBranch: 'kage/aaaa/x', targetBranch: 'main', strategy: 'auto' };

    const error = await executor.merge(request).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TargetMovedError);
    expect((error as TargetMovedError).actualCommit).toBe(concurrent);
    expect(await repo.head()).toBe(concurrent);

    const retry = await executor.merge(request);
    expect(retry.status === 'merged' && retry.previousTargetCommit).toBe(concurrent);
    expect(await repo.git('merge-base', '--is-ancestor', concurrent, 'main')).toBe('');
    expect(await repo.read('notes.txt')).toBe('someone else committed\n');
    expect(await repo.read('feature.txt')).toBe('feature\n');
    expect(await repo.git('status', '--porcelain')).toBe('');
  });

  it('a fresh executor (after a restart) merges a branch whose worktree is long gone', async () => {
    const wtParent = await makeTempDir('kage-wt-');
    const wt = join(wtParent, 'attempt');
    await repo.git('worktree', 'add', '-b', 'kage/aaaa/old', wt, 'main');
    await repo.commit({ 'old.txt': 'from before the restart\n' }, 'attempt', wt);
    await repo.git('worktree', 'remove', wt);
    await rm(wtParent, { recursive: true, force: true });

    const outcome = await new MergeStrategies(new RepoLock()).merge({
      repoPath: repo.path,
      sourceBranch: 'kage/aaaa/old',
      targetBranch: 'main',
      strategy: 'auto',
    });
    expect(outcome.status).toBe('merged');
    expect(await repo.read('old.txt')).toBe('from before the restart\n');
  });
});

describe.each(driverKinds)('MergeStrategies racing on %s', (kind) => {
  let repo: TestRepo;
  const dbs: Db[] = [];

  beforeEach(async () => {
    repo = await createTestRepo({ 'shared.txt': 'one\n' });
    if (kind === 'postgres') {
      const url = await createPostgresDatabase();
      dbs.push(new PostgresDriver(url), new PostgresDriver(url));
    } else {
      dbs.push(await openTestDb('pglite', { migrate: false }));
    }
  });
  afterEach(async () => {
    await Promise.all(dbs.splice(0).map((db) => db.close()));
    await repo.cleanup();
  });

  it('two merges racing both land, in some order, with no lost commit', async () => {
    const first = await repo.commitOnBranch('kage/aaaa/one', { 'one.txt': '1\n' });
    const second = await repo.commitOnBranch('kage/aaaa/two', { 'two.txt': '2\n' });
    const start = await repo.head();
    // On PostgreSQL two instances (two pools, two locks); on PGlite one process, one lock.
    const locks = kind === 'postgres' ? [new RepoLock(dbs[0]), new RepoLock(dbs[1])] : [new RepoLock(dbs[0])];
    const results = await Promise.all(
      (['one', 'two'] as const).map((label, i) =>
        mergeWithRetry(new MergeStrategies(locks[i % locks.length] as RepoLock), {
          repoPath: repo.path,
          sourceBranch: `kage/aaaa/${label}`,
          targetBranch: 'main',
          strategy: label === 'one' ? 'auto' : 'theirs',
        }),
      ),
    );

    for (const commit of [start, first, second, ...results.map((r) => r.outcome.commit)]) {
      expect(await repo.git('merge-base', '--is-ancestor', commit, 'main')).toBe('');
    }
    expect(await repo.git('rev-list', '--count', '--merges', `${start}..main`)).toBe('2');
    expect(await repo.read('one.txt')).toBe('1\n');
    expect(await repo.read('two.txt')).toBe('2\n');
    expect(await repo.git('status', '--porcelain')).toBe('');
  });
});
