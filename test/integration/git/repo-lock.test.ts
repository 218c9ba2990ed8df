import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { PostgresDriver } from '../../../service/src/db/postgres-driver.ts';
import { createPostgresDatabase, driverKinds, openTestDb } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';

/** Records entries and exits of critical sections, to see whether two ever overlapped. */
function overlapProbe() {
  let inside = 0;
  let maxInside = 0;
  const order: string[] = [];
  return {
    order,
    get maxInside() {
      return maxInside;
    },
    async section(name: string) {
      inside += 1;
      maxInside = Math.max(maxInside, inside);
      order.push(`enter ${name}`);
      // Yield several times so an unlocked peer would get in.
      for (let i = 0; i < 5; i += 1) await new Promise((done) => setTimeout(done, 5));
      order.push(`exit ${name}`);
      inside -= 1;
    },
  };
}

describe.each(driverKinds)('RepoLock on %s', (kind) => {
  const dbs: Db[] = [];
  const repos: TestRepo[] = [];
  afterEach(async () => {
    await Promise.all(dbs.splice(0).map((db) => db.close()));
    await Promise.all(repos.splice(0).map((repo) => repo.cleanup()));
  });

  it('runs critical sections on one repository one at a time, across spellings of its path', async () => {
    const db = await openTestDb(kind, { migrate: false });
    dbs.push(db);
    const repo = await createTestRepo();
    repos.push(repo);
    const lock = new RepoLock(db);
    const probe = overlapProbe();
    await Promise.all(
      [repo.path, `${repo.path}/`, `${repo.path}/./`, repo.path].map((path, i) =>
        lock.withRepoLock(path, () => probe.section(String(i))),
      ),
    );
    expect(probe.maxInside).toBe(1);
    expect(probe.order).toHaveLength(8);
  });

  it('lets different repositories proceed independently and releases after an error', async () => {
    const db = await openTestDb(kind, { migrate: false });
    dbs.push(db);
    const [a, b] = [await createTestRepo(), await createTestRepo()];
    repos.push(a, b);
    const lock = new RepoLock(db);
    let releaseA!: () => void;
    let aEntered!: () => void;
    const entered = new Promise<void>((done) => (aEntered = done));
    const aHeld = lock.withRepoLock(a.path, () => {
      aEntered();
      return new Promise<void>((done) => (releaseA = done));
    });
    await entered;
    // b is not blocked by a, which holds its lock until released.
    await expect(lock.withRepoLock(b.path, async () => 'b done')).resolves.toBe('b done');
    releaseA();
    await aHeld;
    await expect(
      lock.withRepoLock(a.path, async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await expect(lock.withRepoLock(a.path, async () => 'after error')).resolves.toBe('after error');
  });
});

describe('RepoLock across service instances (postgres)', () => {
  it('serialises two RepoLocks on two connection pools to one database', async () => {
    const url = await createPostgresDatabase();
    const first = new PostgresDriver(url);
    const second = new PostgresDriver(url);
    const repo = await createTestRepo();
    try {
      const probe = overlapProbe();
      const lockA = new RepoLock(first);
      const lockB = new RepoLock(second);
      await Promise.all([
        lockA.withRepoLock(repo.path, () => probe.section('a1')),
        lockB.withRepoLock(repo.path, () => probe.section('b1')),
        lockA.withRepoLock(repo.path, () => probe.section('a2')),
        lockB.withRepoLock(repo.path, () => probe.section('b2')),
      ]);
      expect(probe.maxInside).toBe(1);
    } finally {
      await first.close();
      await second.close();
      await repo.cleanup();
    }
  });

  it('two RepoLocks without a database do not exclude each other (the probe sees overlap)', async () => {
    const repo = await createTestRepo();
    try {
      let entered = 0;
      let bothInside!: () => void;
      const barrier = new Promise<void>((done) => (bothInside = done));
      const section = async () => {
        entered += 1;
        if (entered === 2) bothInside();
        await barrier;
      };
      await Promise.all([new RepoLock().withRepoLock(repo.path, section), new RepoLock().withRepoLock(repo.path, section)]);
      expect(entered).toBe(2);
    } finally {
      await repo.cleanup();
    }
  });
});
