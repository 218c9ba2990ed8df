/**
 * Where a local repository really is, found from the file system alone (no git run yet), and
 * whether it lies inside every set of roots that applies: KAGE_REPO_ROOTS and the submitting
 * key's own. One check for both, so a key's roots hold against a `.git` file or a `commondir`
 * pointing elsewhere exactly as the service's do.
 */
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isInside } from '../path-inside.ts';
import { Refusal } from '../refusal.ts';

/** Folders a repository must lie in, and whose they are (for the 403's words). */
export interface RootSet {
  roots: readonly string[];
  /** e.g. "the allowed roots (KAGE_REPO_ROOTS)". */
  describe: string;
}

export function rootSet(roots: readonly string[], describe: string): RootSet {
  return { roots: roots.map(realOrSelf), describe };
}

export class RepositoryRoots {
  private readonly sets: readonly RootSet[];
  private readonly requestedPath: string;

  constructor(sets: readonly RootSet[], requestedPath: string) {
    this.sets = sets.filter((set) => set.roots.length > 0);
    this.requestedPath = requestedPath;
  }

  /** 403 unless `path` (resolved) lies in every set; `what` names it in the message. */
  check(path: string, what: string): void {
    const outside = this.sets.find((set) => !set.roots.some((root) => isInside(path, root)));
    if (outside) {
      throw new Refusal('forbidden', 'repository_not_allowed', `repository.path ${this.requestedPath}: ${what} is outside ${outside.describe}`, {
        field: 'repository.path',
      });
    }
  }

  /**
   * Before any git command: the folder, and the git folders its `.git` names (a `.git` file's
   * `gitdir:`, that folder's `commondir`), must lie inside the roots; a folder without `.git`
   * is refused here too, naming the repository above it (which may lie outside). So git never
   * reads a repository outside the roots, and never creates a branch or worktree there.
   */
  checkBeforeGit(real: string): void {
    this.check(real, 'the folder');
    const entry = join(real, '.git');
    if (!existsSync(entry)) {
      const above = repositoryAbove(real);
      if (above === undefined) throw invalid(`repository.path ${this.requestedPath} is not a git repository`);
      this.check(above, `its repository's work tree ${above}`);
      throw invalid(`repository.path ${this.requestedPath} is a folder inside the repository ${above}; give the repository's top folder`);
    }
    const gitDir = gitDirOf(entry, this.requestedPath);
    this.check(gitDir, `its git folder ${gitDir}`);
    const common = join(gitDir, 'commondir');
    if (existsSync(common)) {
      const commonDir = realOrInvalid(resolve(gitDir, readFileSync(common, 'utf8').trim()), this.requestedPath);
      this.check(commonDir, `its git folder ${commonDir}`);
    }
  }
}

/** The git folder a `.git` entry stands for: itself, or the one its `gitdir:` line names. */
function gitDirOf(entry: string, requestedPath: string): string {
  if (statSync(entry).isDirectory()) return realOrInvalid(entry, requestedPath);
  const named = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(entry, 'utf8'))?.[1];
  if (!named) throw invalid(`repository.path ${requestedPath} is not a git repository (its .git file names no gitdir)`);
  return realOrInvalid(resolve(dirname(entry), named), requestedPath);
}

/** The nearest folder above `dir` holding a `.git`: the repository git would find for it. */
function repositoryAbove(dir: string): string | undefined {
  for (let current = dirname(dir); ; current = dirname(current)) {
    if (existsSync(join(current, '.git'))) return current;
    if (dirname(current) === current) return undefined;
  }
}

function realOrInvalid(path: string, requestedPath: string): string {
  try {
    return realpathSync(path);
  } catch {
    throw invalid(`repository.path ${requestedPath} is not a git repository (its git folder ${path} does not exist)`);
  }
}

function realOrSelf(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function invalid(message: string): Refusal {
  return new Refusal('invalid', 'invalid_repository', message, { field: 'repository.path' });
}
