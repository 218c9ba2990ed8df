/**
 * Read-only questions about a repository: is it one, what does a ref point at, which worktrees
 * exist and on which branch, and does a checkout hold uncommitted changes.
 */
import { realpath } from 'node:fs/promises';
import { git, GitCommandError, runGit } from './git-command.ts';
import { Refusal } from '../refusal.ts';

/** A ref (branch, tag, commit) that does not name a commit in the repository. */
export class RefNotFoundError extends Refusal {
  readonly repoPath: string;
  readonly ref: string;

  constructor(repoPath: string, ref: string) {
    super('not_found', 'ref_not_found', `'${ref}' does not name a commit in ${repoPath}`, { ref });
    this.repoPath = repoPath;
    this.ref = ref;
  }
}

export interface WorktreeEntry {
  path: string;
  head: string | null;
  /** Full ref name (`refs/heads/main`) or null when detached or bare. */
  branch: string | null;
  bare: boolean;
  prunable: boolean;
}

/** True when `path` is the top level of a work tree or a bare repository. */
export async function isGitRepository(path: string): Promise<boolean> {
  try {
    const real = await realpath(path);
    if ((await git(real, ['rev-parse', '--is-bare-repository'])) === 'true') return true;
    const topLevel = await git(real, ['rev-parse', '--show-toplevel']);
    return (await realpath(topLevel)) === real;
  } catch {
    return false;
  }
}

/** The full commit id a ref points at, or RefNotFoundError. */
export async function resolveCommit(repoPath: string, ref: string): Promise<string> {
  try {
    return await git(repoPath, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`]);
  } catch (error) {
    if (error instanceof GitCommandError) throw new RefNotFoundError(repoPath, ref);
    throw error;
  }
}

/** The commit a local branch points at, or null when there is no such branch. */
export async function branchHead(repoPath: string, branch: string): Promise<string | null> {
  const result = await runGit(repoPath, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}^{commit}`], {
    okExitCodes: [1],
  });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** The branch the repository's main checkout is on, or null when its HEAD is detached. */
export async function currentBranch(repoPath: string): Promise<string | null> {
  const result = await runGit(repoPath, ['symbolic-ref', '--quiet', '--short', 'HEAD'], { okExitCodes: [1] });
  return result.exitCode === 0 ? result.stdout.trim() : null;
}

/** True when `name` is a valid branch name (`git check-ref-format --branch`). */
export async function isValidBranchName(repoPath: string, name: string): Promise<boolean> {
  if (name.startsWith('-') || name.startsWith('@')) return false;
  const result = await runGit(repoPath, ['check-ref-format', '--branch', name], { okExitCodes: [1, 128] });
  return result.exitCode === 0;
}

export async function listWorktrees(repoPath: string): Promise<WorktreeEntry[]> {
  const output = (await runGit(repoPath, ['worktree', 'list', '--porcelain', '-z'], { raw: true })).stdout;
  const entries: WorktreeEntry[] = [];
  let current: WorktreeEntry | undefined;
  for (const field of output.split('\0')) {
    if (field === '') {
      current = undefined;
      continue;
    }
    const space = field.indexOf(' ');
    const key = space === -1 ? field : field.slice(0, space);
    const value = space === -1 ? '' : field.slice(space + 1);
    if (key === 'worktree') {
      current = { path: value, head: null, branch: null, bare: false, prunable: false };
      entries.push(current);
    } else if (current) {
      if (key === 'HEAD') current.head = value;
      else if (key === 'branch') current.branch = value;
      else if (key === 'bare') current.bare = true;
      else if (key === 'prunable') current.prunable = true;
    }
  }
  return entries;
}

/** The worktrees (main checkout included) that have `branch` checked out. */
export async function checkoutsOfBranch(repoPath: string, branch: string): Promise<WorktreeEntry[]> {
  const ref = `refs/heads/${branch}`;
  return (await listWorktrees(repoPath)).filter((entry) => entry.branch === ref && !entry.bare && !entry.prunable);
}

/** The tracked paths with uncommitted changes (staged, unstaged or unmerged) in a checkout. */
export async function uncommittedChanges(worktreePath: string): Promise<string[]> {
  const output = (await runGit(worktreePath, ['status', '--porcelain=v1', '-z', '--untracked-files=no'], { raw: true }))
    .stdout;
  return output
    .split('\0')
    .filter((record) => /^[ MADRCUT?!]{2} /.test(record))
    .map((record) => record.slice(3));
}
