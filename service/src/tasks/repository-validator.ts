import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { git } from '../git/git-command.ts';
import { RefNotFoundError, resolveCommit } from '../git/repository.ts';
import { Refusal } from '../refusal.ts';

export interface ResolvedRepository {
  /** The repository's top level, symlinks resolved. */
  path: string;
  /** The ref as given, except `HEAD` becomes the branch checked out now: the merge target later. */
  baseRef: string;
  baseCommit: string;
}

/**
 * Checks a repository named in a request before anything touches it: absolute, existing, a git
 * work tree, inside KAGE_REPO_ROOTS when set; and resolves the base ref to a commit.
 */
export class RepositoryValidator {
  private readonly roots: string[];

  constructor(roots: readonly string[]) {
    this.roots = roots.map((root) => {
      try {
        return realpathSync(root);
      } catch {
        return root;
      }
    });
  }

  private isAllowed(path: string): boolean {
    return this.roots.length === 0 || this.roots.some((root) => isInside(path, root));
  }

  async resolve(requestedPath: string, baseRef: string): Promise<ResolvedRepository> {
    const invalid = (message: string) => new Refusal('invalid', 'invalid_repository', message, { field: 'repository.path' });
    if (!isAbsolute(requestedPath)) throw invalid(`repository.path must be an absolute path, got "${requestedPath}"`);
    let real: string;
    try {
      real = realpathSync(requestedPath);
      if (!statSync(real).isDirectory()) throw new Error('not a directory');
    } catch {
      throw invalid(`repository.path ${requestedPath} does not exist or is not a directory`);
    }
    const outsideRoots = (what: string) =>
      new Refusal('forbidden', 'repository_not_allowed', `repository.path ${requestedPath}: ${what} is outside the allowed roots (KAGE_REPO_ROOTS)`, {
        field: 'repository.path',
      });
    if (!this.isAllowed(real)) throw outsideRoots('the folder');
    const found = await git(real, ['rev-parse', '--show-toplevel', '--absolute-git-dir', '--git-common-dir']).catch(() => undefined);
    if (!found) throw invalid(`repository.path ${requestedPath} is not a git repository`);
    const [shownTopLevel, gitDir, commonDir] = found.split('\n') as [string, string, string];
    const topLevel = realpathSync(shownTopLevel);
    // What git will work on, not what was asked for: a `.git` file or core.worktree may point
    // elsewhere, and a plain folder inside a repository belongs to that repository.
    if (!this.isAllowed(topLevel)) throw outsideRoots(`its repository's work tree ${topLevel}`);
    for (const dir of [gitDir, resolve(real, commonDir)]) {
      if (!this.isAllowed(realpathSync(dir))) throw outsideRoots(`its git folder ${dir}`);
    }
    if (topLevel !== real) {
      throw invalid(`repository.path ${requestedPath} is a folder inside the repository ${topLevel}; give the repository's top folder`);
    }
    try {
      const baseCommit = await resolveCommit(topLevel, baseRef);
      const branch = baseRef === 'HEAD' ? await git(topLevel, ['symbolic-ref', '--quiet', '--short', 'HEAD']).catch(() => '') : '';
      return { path: topLevel, baseRef: branch || baseRef, baseCommit };
    } catch (error) {
      if (!(error instanceof RefNotFoundError)) throw error;
      throw new Refusal('invalid', 'invalid_base_ref', `repository.baseRef "${baseRef}" is not a commit in ${topLevel}`, {
        field: 'repository.baseRef',
      });
    }
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

