/**
 * Which files a checkout would lose if it followed its branch from one commit to another.
 * git's own checkout (`read-tree -m -u`, `checkout`) treats ignored files as disposable: it
 * overwrites an ignored `.env` with a committed one, and deletes an ignored `build/` folder to
 * make room for a committed file named `build`. A user's files are not disposable, so before a
 * checkout is moved every path the new commit writes is checked against what is on disk.
 */
import { lstat, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { git } from './git-command.ts';

/**
 * Paths in `checkoutPath` (relative, '/'-separated) that are not tracked at `oldCommit` and that
 * moving the checkout to `newCommit` would overwrite or remove: an untracked or ignored file or
 * folder where the new commit puts a file, or such a file where it needs a folder.
 */
export async function filesInTheWay(checkoutPath: string, oldCommit: string, newCommit: string): Promise<string[]> {
  const output = await git(checkoutPath, ['diff-tree', '-r', '-z', '--no-renames', '--name-status', oldCommit, newCommit]);
  const fields = output.split('\0').filter((field) => field !== '');
  const written: string[] = [];
  const removedAtOld = new Set<string>();
  for (let i = 0; i + 1 < fields.length; i += 2) {
    const status = fields[i]!;
    const path = fields[i + 1]!;
    if (status === 'D') removedAtOld.add(path);
    if (status === 'A') written.push(path);
  }
  const inTheWay = new Set<string>();
  for (const path of written) {
    // The path itself: anything there is not tracked at the old commit (the diff says "added").
    if (await occupied(join(checkoutPath, path))) inTheWay.add(path);
    // Its folders: an untracked file where one is needed would be deleted to make room.
    for (let parent = dirname(path); parent !== '.'; parent = dirname(parent)) {
      if (removedAtOld.has(parent)) break; // a tracked file the new commit replaces by a folder
      const stats = await lstat(join(checkoutPath, parent)).catch(() => undefined);
      if (stats && !stats.isDirectory()) inTheWay.add(parent);
      if (stats) break; // an existing folder (or the file just noted): nothing above is touched
    }
  }
  return [...inTheWay].sort();
}

/** Whether something other than an empty folder is at `path` (git may remove empty folders). */
async function occupied(path: string): Promise<boolean> {
  const stats = await lstat(path).catch(() => undefined);
  if (!stats) return false;
  if (!stats.isDirectory()) return true;
  return (await readdir(path)).length > 0;
}
