/**
 * Serialises the operations that touch a repository's shared state (worktree add/remove/prune,
 * branch create/delete, ref updates): concurrent `git worktree add` on one repository fails on
 * `.git/config` locks, and two ref updates must not interleave with the checks before them.
 *
 * Within one process an async mutex per repository does it. On PostgreSQL, where several service
 * instances may share the work, a transaction-scoped advisory lock keyed by the repository's path
 * extends it across processes; PGlite is one process only, so the mutex is enough there.
 *
 * Use one RepoLock per process for everything (worktrees and merges), and keep critical sections
 * short and flat: the lock is not re-entrant, so calling withRepoLock inside withRepoLock for the
 * same repository waits forever.
 */
import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Db } from '../db/db.ts';

export class RepoLock {
  private readonly db: Db | undefined;
  /** The tail of each repository's queue: the promise the next caller waits for. */
  private readonly tails = new Map<string, Promise<void>>();

  constructor(db?: Db) {
    this.db = db;
  }

  /** Runs `work` while no other caller (in this process or, on PostgreSQL, any) holds the repository. */
  async withRepoLock<T>(repoPath: string, work: () => Promise<T>): Promise<T> {
    // The process-local turn comes first, so one instance never holds more than one database
    // connection waiting for the same repository.
    return this.inTurn(repoPath, (key) => this.acrossProcesses(key, work));
  }

  /**
   * The same, for a repository no other process uses: one in this instance's data folder (a
   * remote's mirror), which the data folder's lock keeps to this process. Nothing is held in the
   * database, so `work` may wait on the network (a fetch) without keeping a transaction open.
   */
  async withLocalLock<T>(repoPath: string, work: () => Promise<T>): Promise<T> {
    return this.inTurn(repoPath, work);
  }

  private async inTurn<T>(repoPath: string, work: (key: string) => Promise<T>): Promise<T> {
    const key = await canonicalPath(repoPath);
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((done) => {
      release = done;
    });
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    try {
      return await work(key);
    } finally {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  private async acrossProcesses<T>(key: string, work: () => Promise<T>): Promise<T> {
    if (this.db?.kind !== 'postgres') return work();
    return this.db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [advisoryKey(key)]);
      return work();
    });
  }
}

/** The repository's real path, so two spellings of one repository share a lock. */
async function canonicalPath(repoPath: string): Promise<string> {
  try {
    return await realpath(repoPath);
  } catch {
    return resolve(repoPath);
  }
}

/** A signed 64-bit key from the path (advisory locks take a bigint), namespaced to this use. */
export function advisoryKey(canonicalRepoPath: string): string {
  const digest = createHash('sha256').update(`kage-bunshin:repo-lock:${canonicalRepoPath}`).digest();
  return digest.readBigInt64BE(0).toString();
}
