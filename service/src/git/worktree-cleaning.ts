/**
 * Making a used worktree indistinguishable, for its tracked files, from one `git worktree add`
 * would make at the same commit: what an attempt left behind (untracked files, changed modes,
 * populated submodules, a merge or rebase in progress, index flags, a worktree config) is
 * undone; only the cache folders named by `keep` (gitignore patterns) stay.
 */
import { randomUUID } from 'node:crypto';
import { chmod, lstat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from './git-command.ts';

/** The worktree and its own folder in the repository's git dir, as git made them. */
export interface WorktreeDirs {
  path: string;
  gitAdminDir: string;
}

/** Per-worktree state an attempt may leave in its admin folder; a fresh worktree has none of it. */
const transientState = [
  'MERGE_HEAD', 'MERGE_MSG', 'MERGE_MODE', 'MERGE_RR', 'MERGE_AUTOSTASH', 'AUTO_MERGE', 'CHERRY_PICK_HEAD', 'REVERT_HEAD',
  'REBASE_HEAD', 'ORIG_HEAD', 'FETCH_HEAD', 'BISECT_LOG', 'BISECT_START', 'BISECT_TERMS', 'BISECT_NAMES', 'BISECT_EXPECTED_REV',
  'BISECT_ANCESTORS_OK', 'BISECT_HEAD', 'rebase-merge', 'rebase-apply', 'sequencer', 'info', 'config.worktree', 'modules', 'refs', 'logs',
];

/** Puts back the worktree's `.git` link, replacing whatever is there (a link would be written through). */
export async function restoreWorktreeLink(dirs: WorktreeDirs): Promise<void> {
  await replaceFile(join(dirs.path, '.git'), `gitdir: ${dirs.gitAdminDir}\n`);
}

/**
 * Writes `path` anew without ever leaving it missing: cleaning and reclaiming a worktree hold no
 * repository lock, and a `git worktree prune` run meanwhile for another attempt takes a missing
 * `.git` link for a deleted worktree and removes its folder in the git dir. The new file is made beside it (never
 * through a link an agent planted) and renamed over it, which replaces a link or file at once;
 * only a directory in the way is removed first.
 */
export async function replaceFile(path: string, content: string): Promise<void> {
  const fresh = `${path}.kage-${randomUUID().slice(0, 8)}`;
  await writeFile(fresh, content, { flag: 'wx' });
  try {
    await rename(fresh, path);
  } catch {
    await rm(path, { recursive: true, force: true });
    await rename(fresh, path);
  }
}

/** Cleans the worktree at its current HEAD, keeping only the `keep` folders of what is untracked. */
export async function cleanWorktree(dirs: WorktreeDirs, keep: readonly string[]): Promise<void> {
  await restoreWorktreeLink(dirs);
  for (const name of transientState) await rm(join(dirs.gitAdminDir, name), { recursive: true, force: true });
  await clearIndexFlags(dirs.path);
  await emptySubmodules(dirs.path);
  await git(dirs.path, ['reset', '--hard', '--quiet', '--no-recurse-submodules']);
  await git(dirs.path, ['clean', '-ffdxq', ...keep.flatMap((pattern) => ['-e', pattern])]);
  await normalizeModes(dirs.path);
}

/**
 * Moves a worktree cleaned by cleanWorktree (and untouched since) to `baseCommit` on `branch`,
 * created or reset there: git writes only the files that differ, which is what makes a warm
 * start cheap, and removes the ones the base commit does not track.
 */
export async function moveWorktreeTo(dirs: WorktreeDirs, branch: string, baseCommit: string): Promise<void> {
  await git(dirs.path, ['-c', 'checkout.workers=0', 'checkout', '--quiet', '--force', '--no-recurse-submodules', '-B', branch, baseCommit]);
}

/** Index entries an attempt marked assume-unchanged or skip-worktree would hide changes from git. */
async function clearIndexFlags(path: string): Promise<void> {
  const flagged = (await git(path, ['ls-files', '-v', '-z'])).split('\0').filter((entry) => /^([a-z]|S) /.test(entry)).map((entry) => entry.slice(2));
  // One flag per call: given both, update-index clears only one of them.
  for (const flag of ['--no-assume-unchanged', '--no-skip-worktree']) {
    for (let start = 0; start < flagged.length; start += 500) await git(path, ['update-index', flag, '--', ...flagged.slice(start, start + 500)]);
  }
}

interface IndexEntry {
  mode: string;
  path: string;
}

async function indexEntries(path: string): Promise<IndexEntry[]> {
  return (await git(path, ['ls-files', '-s', '-z']))
    .split('\0')
    .filter(Boolean)
    .map((line) => ({ mode: line.slice(0, 6), path: line.slice(line.indexOf('\t') + 1) }));
}

/** A fresh worktree has each submodule as an empty folder. */
async function emptySubmodules(path: string): Promise<void> {
  for (const entry of await indexEntries(path)) {
    if (entry.mode !== '160000') continue;
    await rm(join(path, entry.path), { recursive: true, force: true });
    await mkdir(join(path, entry.path), { recursive: true });
  }
}

/** Tracked files (and their folders) with the permissions a fresh checkout gives them (git tracks only the executable bit). */
async function normalizeModes(path: string): Promise<void> {
  const umask = process.umask();
  const modeFor = (executable: boolean) => (executable ? 0o777 : 0o666) & ~umask;
  const folders = new Set<string>();
  const fixes: Array<[string, number]> = [];
  for (const entry of await indexEntries(path)) {
    if (entry.mode !== '100644' && entry.mode !== '100755') continue;
    const file = join(path, entry.path);
    for (let folder = dirname(file); folder.length > path.length && !folders.has(folder); folder = dirname(folder)) folders.add(folder);
    fixes.push([file, modeFor(entry.mode === '100755')]);
  }
  for (const folder of folders) fixes.push([folder, modeFor(true)]);
  // A few hundred at a time: one by one, 10,000 files take seconds on a busy machine.
  for (let start = 0; start < fixes.length; start += 256) await Promise.all(fixes.slice(start, start + 256).map(([file, mode]) => fixMode(file, mode)));
}

async function fixMode(path: string, mode: number): Promise<void> {
  const stats = await lstat(path).catch(() => undefined);
  if (stats && !stats.isSymbolicLink() && (stats.mode & 0o7777) !== mode) await chmod(path, mode);
}
