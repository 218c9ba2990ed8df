/**
 * Taking an attempt's worktree back from a confined agent before the service runs git in it.
 * The agent could write its worktree and that worktree's admin folder: it may have pointed
 * `.git` at a repository of its own (whose config would run commands for our git), switched
 * HEAD to another branch (our commit would move it), added a worktree config, or left an index
 * naming objects that exist only in its sandbox. Each is put back as the service made it.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { git } from './git-command.ts';
import { replaceFile, restoreWorktreeLink } from './worktree-cleaning.ts';

export interface ReclaimInput {
  worktree: string;
  /** The worktree's folder in the repository's git dir, as read before the agent ran. */
  gitAdminDir: string;
  branch: string;
  /** The agent wrote git objects of its own: the index is rebuilt from HEAD. */
  rebuildIndex: boolean;
}

export async function reclaimWorktree(input: ReclaimInput): Promise<void> {
  // Replaced, not written: either may now be a link, and writing through it would write its target.
  await restoreWorktreeLink({ path: input.worktree, gitAdminDir: input.gitAdminDir });
  await replaceFile(join(input.gitAdminDir, 'HEAD'), `ref: refs/heads/${input.branch}\n`);
  await rm(join(input.gitAdminDir, 'config.worktree'), { force: true });
  if (input.rebuildIndex) {
    await rm(join(input.gitAdminDir, 'index'), { force: true });
    await git(input.worktree, ['reset', '--quiet']);
  }
}
