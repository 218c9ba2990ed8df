/**
 * One git worktree per attempt, on branch `kage/<task-short-id>/<label>` at the task's base
 * commit: an idle one from the pool (worktree-pool.ts) moved there when the repository has one,
 * else a fresh `<dataDir>/worktrees/<task-short-id>/<label>`. Every operation that changes the
 * repository's worktree list or branches runs under the repository's lock.
 */
import { access, mkdir, readdir, realpath, rm, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { git, runGit } from './git-command.ts';
import { isGitRepository, listWorktrees, resolveCommit } from './repository.ts';
import type { RepoLock } from './repo-lock.ts';
import { assertLabel, attemptBranch, taskShortId } from './attempt-branch.ts';
import { moveWorktreeTo } from './worktree-cleaning.ts';
import { type PoolSettings, WorktreePool } from './worktree-pool.ts';

export interface CreateWorktreeInput {
  repoPath: string;
  taskId: string;
  label: string;
  baseCommit: string;
}

export interface Worktree {
  repoPath: string;
  path: string;
  /** The worktree's own folder in the repository's git dir, as git made it. */
  gitAdminDir: string;
  branch: string;
  baseCommit: string;
  /** True for a pooled worktree moved to the base commit (a warm start). */
  reused: boolean;
  /**
   * Where an attempt's sandbox shows it: the path it was first made at, pooled or not. What its
   * setup kept (a venv's `#!…/.venv/bin/python3`, build caches) names that path, so a kept folder
   * works only there.
   */
  insidePath: string;
}

export class WorktreeManager {
  private readonly worktreesRoot: string;
  private readonly lock: RepoLock;
  readonly pool: WorktreePool;

  constructor(options: { dataDir: string; lock: RepoLock; pool?: PoolSettings }) {
    this.worktreesRoot = join(resolve(options.dataDir), 'worktrees');
    this.lock = options.lock;
    this.pool = new WorktreePool(options.pool ?? { size: 0, maxBytes: 0 }, options.dataDir);
  }

  worktreePath(taskId: string, label: string): string {
    assertLabel(label);
    return join(this.worktreesRoot, taskShortId(taskId), label);
  }

  /**
   * Creates the attempt's worktree and branch from `baseCommit`. Creating an attempt again (a task
   * re-run after a crash) starts it afresh: a leftover worktree at the path is removed and the
   * branch is reset to the base commit.
   */
  async create(input: CreateWorktreeInput): Promise<Worktree> {
    const branch = attemptBranch(input.taskId, input.label);
    const baseCommit = await resolveCommit(input.repoPath, input.baseCommit);
    const warm = await this.fromPool(input.repoPath, branch, baseCommit);
    if (warm) return warm;
    const taskDir = join(this.worktreesRoot, taskShortId(input.taskId));
    await mkdir(taskDir, { recursive: true });
    const path = join(await realpath(taskDir), input.label);
    await this.lock.withRepoLock(input.repoPath, async () => {
      // A vanished directory may still be registered, and git refuses to add a worktree there.
      if (await exists(path)) await this.removeLeftover(input.repoPath, path);
      else await git(input.repoPath, ['worktree', 'prune']);
      // Writing the files is kernel-bound on large repositories; checkout workers (one per core)
      // roughly halve the time of a 10,000-file checkout on a 2-core machine (bench/fan-out).
      await git(input.repoPath, ['-c', 'checkout.workers=0', 'worktree', 'add', '--no-track', '-B', branch, path, baseCommit]);
    });
    const gitAdminDir = await git(path, ['rev-parse', '--absolute-git-dir']);
    return { repoPath: input.repoPath, path, gitAdminDir, branch, baseCommit, reused: false, insidePath: path };
  }

  /** An idle worktree of the repository, moved to the base commit; undefined when there is none (or it would not move). */
  private async fromPool(repoPath: string, branch: string, baseCommit: string): Promise<Worktree | undefined> {
    for (let idle = this.pool.take(repoPath); idle; idle = this.pool.take(repoPath)) {
      const taken = idle;
      try {
        await this.lock.withRepoLock(repoPath, () => moveWorktreeTo(taken, branch, baseCommit));
        return { repoPath, path: taken.path, gitAdminDir: taken.gitAdminDir, branch, baseCommit, reused: true, insidePath: taken.insidePath };
      } catch {
        await this.remove(repoPath, taken.path).catch(() => {});
      }
    }
    return undefined;
  }

  /**
   * An attempt is done with its worktree: cleaned into the pool (keeping the `keep` cache
   * folders) when the pool has room, else removed. The branch and its commits stay either way.
   */
  async release(worktree: Worktree, keep: readonly string[]): Promise<void> {
    const bytes = await this.pool.prepare(worktree, keep).catch(() => undefined);
    const evicted = await this.lock.withRepoLock(worktree.repoPath, async () => {
      const outcome = bytes === undefined ? undefined : await this.pool.admit(worktree.repoPath, worktree, bytes).catch(() => undefined);
      if (!outcome) await this.removeLeftover(worktree.repoPath, worktree.path);
      return outcome ?? [];
    });
    // Out of the lock: what no longer fits may belong to other repositories, each under its own lock.
    for (const idle of evicted) await this.remove(idle.repoPath, idle.path);
  }

  /** Removes the worktree (even with uncommitted changes); the branch and its commits stay. */
  async remove(repoPath: string, worktreePath: string): Promise<void> {
    await this.lock.withRepoLock(repoPath, () => this.removeLeftover(repoPath, resolve(worktreePath)));
  }

  /** Removes the task's folder under the worktrees root once its attempts' worktrees are gone (kept ones keep it). */
  async removeTaskFolder(taskId: string): Promise<void> {
    await rmdir(join(this.worktreesRoot, taskShortId(taskId))).catch(() => {});
  }

  /** Deletes a local branch; a branch that is already gone is not an error. */
  async removeBranch(repoPath: string, branch: string): Promise<void> {
    await this.lock.withRepoLock(repoPath, async () => {
      await runGit(repoPath, ['branch', '-D', '--end-of-options', branch], { okExitCodes: [1] });
    });
  }

  /**
   * Start-up clean-up: forgets worktrees whose directories vanished, removes worktrees under the
   * data directory that belong to no running task, and deletes leftover directories there that
   * no repository claims. Returns the paths removed. Branches stay: they hold results.
   */
  async pruneOrphans(repoPaths: readonly string[], knownWorktrees: Iterable<string>): Promise<string[]> {
    const known = new Set([...knownWorktrees].map((path) => resolve(path)));
    const root = await this.realRoot();
    const removed: string[] = [];
    for (const repoPath of repoPaths) {
      if (!(await isGitRepository(repoPath))) continue;
      await this.lock.withRepoLock(repoPath, async () => {
        await git(repoPath, ['worktree', 'prune']);
        for (const entry of await listWorktrees(repoPath)) {
          if (!isInside(root, entry.path) || known.has(entry.path)) continue;
          await this.removeLeftover(repoPath, entry.path);
          removed.push(entry.path);
        }
      });
    }
    for (const taskDir of await subdirectories(root)) {
      for (const attemptDir of await subdirectories(taskDir)) {
        if (known.has(attemptDir) || removed.includes(attemptDir)) continue;
        await rm(attemptDir, { recursive: true, force: true });
        removed.push(attemptDir);
      }
      await rmdir(taskDir).catch(() => {});
    }
    return removed;
  }

  /**
   * Removes a worktree at `path` whether git still knows it or only the directory is left. A
   * directory that is neither a worktree of the repository nor under the data directory's
   * worktrees is never deleted: paths can come from stored records.
   */
  private async removeLeftover(repoPath: string, path: string): Promise<void> {
    const registered = (await listWorktrees(repoPath)).some((entry) => entry.path === path);
    if (registered) await git(repoPath, ['worktree', 'remove', '--force', '--force', path]);
    if (registered || isInside(await this.realRoot(), path) || this.pool.owns(path)) await rm(path, { recursive: true, force: true });
    await git(repoPath, ['worktree', 'prune']);
  }

  private async realRoot(): Promise<string> {
    await mkdir(this.worktreesRoot, { recursive: true });
    return realpath(this.worktreesRoot);
  }
}

function isInside(root: string, path: string): boolean {
  return path.startsWith(`${root}/`);
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function subdirectories(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((entry) => entry.isDirectory()).map((entry) => join(dir, entry.name));
}
