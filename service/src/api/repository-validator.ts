import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, relative, sep } from 'node:path';
import { execa } from 'execa';
import { HttpError } from './http-error.ts';

export interface ResolvedRepository {
  /** The repository's top level, symlinks resolved. */
  path: string;
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

  async resolve(requestedPath: string, baseRef: string): Promise<ResolvedRepository> {
    const invalid = (message: string) => new HttpError(400, 'invalid_repository', message, { field: 'repository.path' });
    if (!isAbsolute(requestedPath)) throw invalid(`repository.path must be an absolute path, got "${requestedPath}"`);
    let real: string;
    try {
      real = realpathSync(requestedPath);
      if (!statSync(real).isDirectory()) throw new Error('not a directory');
    } catch {
      throw invalid(`repository.path ${requestedPath} does not exist or is not a directory`);
    }
    if (this.roots.length > 0 && !this.roots.some((root) => isInside(real, root))) {
      throw new HttpError(403, 'repository_not_allowed', `repository.path ${requestedPath} is outside the allowed roots (KAGE_REPO_ROOTS)`, {
        field: 'repository.path',
      });
    }
    const topLevel = await git(real, ['rev-parse', '--show-toplevel']);
    if (!topLevel) throw invalid(`repository.path ${requestedPath} is not a git repository`);
    const baseCommit = await git(topLevel, ['rev-parse', '--verify', '--quiet', '--end-of-options', `${baseRef}^{commit}`]);
    if (!baseCommit) {
      throw new HttpError(400, 'invalid_base_ref', `repository.baseRef "${baseRef}" is not a commit in ${topLevel}`, {
        field: 'repository.baseRef',
      });
    }
    return { path: realpathSync(topLevel), baseCommit };
  }
}

function isInside(path: string, root: string): boolean {
  const rel = relative(root, path);
  return rel === '' || (!rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel));
}

async function git(cwd: string, args: string[]): Promise<string | undefined> {
  const result = await execa('git', args, { cwd, reject: false });
  return result.exitCode === 0 ? result.stdout.trim() : undefined;
}
