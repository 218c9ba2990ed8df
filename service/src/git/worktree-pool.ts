/**
 * Warm starts: the worktrees of finished attempts, kept idle per repository on this machine
 * (`<dataDir>/pool/<repository>/<n>`), cleaned of what their task left except the cache
 * folders it named (`keep`: node_modules, .venv, target), and handed to the next attempt on the
 * same repository. At most `size` per repository and `maxBytes` in all; the least recently
 * used go first. The pool starts empty with each start of the service.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { diskUsage } from '../sandbox/disk-usage.ts';
import { git } from './git-command.ts';
import { cleanWorktree, type WorktreeDirs } from './worktree-cleaning.ts';

export interface PoolSettings {
  /** Idle worktrees kept per repository (0: no pool, every attempt starts from a fresh worktree). */
  size: number;
  /** Disk all idle worktrees may take together. */
  maxBytes: number;
}

export interface IdleWorktree extends WorktreeDirs {
  repoPath: string;
  /** The path it was first made at, where attempts' sandboxes show it (worktree-manager.ts). */
  insidePath: string;
  bytes: number;
  releasedAt: number;
}

export interface PoolStatus {
  size: number;
  maxMb: number;
  idle: number;
  diskMb: number;
}

export class WorktreePool {
  private readonly settings: PoolSettings;
  private readonly root: string;
  private idle: IdleWorktree[] = [];

  constructor(settings: PoolSettings, dataDir: string) {
    this.settings = settings;
    this.root = join(resolve(dataDir), 'pool');
  }

  get enabled(): boolean {
    return this.settings.size > 0;
  }

  /** Whether `path` is one of the pool's folders (which may be deleted like attempt worktrees). */
  owns(path: string): boolean {
    return path.startsWith(`${this.root}/`);
  }

  /** Forgets the idle worktrees of an earlier run; git's own records of them go with `worktree prune`. */
  async clear(): Promise<void> {
    this.idle = [];
    await rm(this.root, { recursive: true, force: true });
  }

  /** The most recently released idle worktree of the repository, now the caller's. */
  take(repoPath: string): IdleWorktree | undefined {
    const index = this.idle.findLastIndex((entry) => entry.repoPath === repoPath);
    return index === -1 ? undefined : this.idle.splice(index, 1)[0];
  }

  /**
   * Cleans a finished attempt's worktree for the pool (it touches nothing but that worktree, so
   * no lock is needed). Returns its size, or undefined when the pool will not keep it.
   */
  async prepare(worktree: WorktreeDirs, keep: readonly string[]): Promise<number | undefined> {
    if (!this.enabled) return undefined;
    await cleanWorktree(worktree, keep);
    // Detached, so the finished attempt's branch is checked out nowhere and can be deleted.
    await git(worktree.path, ['checkout', '--quiet', '--detach']);
    const bytes = (await diskUsage([worktree.path])).bytes;
    return bytes > this.settings.maxBytes ? undefined : bytes;
  }

  /**
   * Moves a prepared worktree into the pool; the caller holds the repository's lock. Returns
   * the idle worktrees that no longer fit, for the caller to remove.
   */
  async admit(repoPath: string, worktree: WorktreeDirs & { insidePath: string }, bytes: number): Promise<IdleWorktree[]> {
    const path = this.owns(worktree.path) ? worktree.path : await this.moveIn(repoPath, worktree.path);
    this.idle.push({ path, gitAdminDir: worktree.gitAdminDir, repoPath, bytes, releasedAt: Date.now(), insidePath: worktree.insidePath });
    return this.evict(repoPath);
  }

  status(): PoolStatus {
    const bytes = this.idle.reduce((sum, entry) => sum + entry.bytes, 0);
    return { size: this.settings.size, maxMb: Math.round(this.settings.maxBytes / 2 ** 20), idle: this.idle.length, diskMb: Math.round(bytes / 2 ** 20) };
  }

  /** A plain rename (git's `worktree move` refuses worktrees with submodules), then git is told where it went. */
  private async moveIn(repoPath: string, path: string): Promise<string> {
    const folder = join(this.root, createHash('sha256').update(repoPath).digest('hex').slice(0, 12));
    await mkdir(folder, { recursive: true });
    const target = join(folder, randomUUID().slice(0, 8));
    await rename(path, target);
    await git(repoPath, ['worktree', 'repair', target]);
    return target;
  }

  /** The least recently used idle worktrees past the per-repository count or the disk cap. */
  private evict(repoPath: string): IdleWorktree[] {
    const evicted: IdleWorktree[] = [];
    const ofRepo = this.idle.filter((entry) => entry.repoPath === repoPath);
    for (const entry of ofRepo.slice(0, Math.max(0, ofRepo.length - this.settings.size))) evicted.push(entry);
    this.idle = this.idle.filter((entry) => !evicted.includes(entry));
    let total = this.idle.reduce((sum, entry) => sum + entry.bytes, 0);
    while (total > this.settings.maxBytes && this.idle.length > 0) {
      const oldest = this.idle.shift()!;
      total -= oldest.bytes;
      evicted.push(oldest);
    }
    return evicted;
  }
}
