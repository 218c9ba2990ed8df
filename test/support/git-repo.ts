/**
 * Real git repositories in temp folders for tests: `createTestRepo()` gives a repository on
 * branch `main` with one commit, and helpers to commit files, switch branches and run git.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, mkdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** File contents to write; `null` deletes the file. */
export type FileChanges = Record<string, string | null>;

export interface TestRepo {
  /** The repository's real path (symlinks resolved, as git reports worktree paths). */
  path: string;
  git(...args: string[]): Promise<string>;
  /** Writes (or deletes) files in `cwd` (default: the main checkout), stages all and commits; returns the commit. */
  commit(files: FileChanges, message?: string, cwd?: string): Promise<string>;
  /** Writes (or deletes) files without committing. */
  write(files: FileChanges, cwd?: string): Promise<void>;
  /**
   * Commits on `branch` without touching the main checkout (through a temporary worktree); the
   * branch is created from `from` (default: main) when it does not exist. Returns the commit.
   */
  commitOnBranch(branch: string, files: FileChanges, options?: { from?: string; message?: string }): Promise<string>;
  read(file: string, cwd?: string): Promise<string>;
  head(ref?: string): Promise<string>;
  cleanup(): Promise<void>;
}

export async function runGitIn(cwd: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd,
    env: { ...process.env, LC_ALL: 'C', GIT_TERMINAL_PROMPT: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout.trim();
}

export async function writeFiles(root: string, files: FileChanges): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    const path = join(root, file);
    if (content === null) {
      await rm(path, { force: true });
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
  }
}

/** A temp folder (real path) for data directories and the like; remove it with `rm`. */
export async function makeTempDir(prefix = 'kage-test-'): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), prefix)));
}

export async function createTestRepo(initialFiles: FileChanges = { 'README.md': '# test\n' }): Promise<TestRepo> {
  const path = await makeTempDir('kage-repo-');
  const run = (cwd: string, args: string[]) => runGitIn(cwd, args);
  await run(path, ['init', '--quiet', '--initial-branch=main']);
  await run(path, ['config', 'user.name', 'Test User']);
  await run(path, ['config', 'user.email', 'test@example.com']);
  await run(path, ['config', 'commit.gpgsign', 'false']);
  const repo: TestRepo = {
    path,
    git: (...args) => run(path, args),
    async write(files, cwd = path) {
      await writeFiles(cwd, files);
    },
    async commit(files, message = 'change', cwd = path) {
      await writeFiles(cwd, files);
      await run(cwd, ['add', '--all']);
      await run(cwd, ['commit', '--quiet', '--allow-empty', '-m', message]);
      return run(cwd, ['rev-parse', 'HEAD']);
    },
    async commitOnBranch(branch, files, options = {}) {
      const scratch = await makeTempDir('kage-scratch-');
      const worktree = join(scratch, 'wt');
      const exists = await run(path, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]).then(
        () => true,
        () => false,
      );
      const add = exists ? [worktree, branch] : ['-b', branch, worktree, options.from ?? 'main'];
      await run(path, ['worktree', 'add', '--quiet', ...add]);
      try {
        return await repo.commit(files, options.message ?? `change on ${branch}`, worktree);
      } finally {
        await run(path, ['worktree', 'remove', '--force', worktree]);
        await rm(scratch, { recursive: true, force: true });
      }
    },
    read: (file, cwd = path) => readFile(join(cwd, file), 'utf8'),
    head: (ref = 'HEAD') => run(path, ['rev-parse', `${ref}^{commit}`]),
    cleanup: () => rm(path, { recursive: true, force: true }),
  };
  await repo.commit(initialFiles, 'initial commit');
  return repo;
}
