/**
 * After an agent exits, records what it did as commits on its branch: everything it changed,
 * added or deleted is committed (files matched by .gitignore stay out, as they would for a
 * person), and the result is measured against the base commit, so commits the agent made itself
 * count as well.
 */
import { readConfigOverrides } from './config-guard.ts';
import { git, type GitIdentity, type GitRunOptions, runGit } from './git-command.ts';
import { diffStats } from './diff-stats.ts';

export interface RecordedChanges {
  headCommit: string;
  /** Whether this call created a commit (false when the agent left nothing uncommitted). */
  committed: boolean;
  filesChanged: string[];
  insertions: number;
  deletions: number;
}

export interface CommitAllInput {
  worktreePath: string;
  baseCommit: string;
  message: string;
  author?: GitIdentity;
  /** Worktree-relative paths never to commit (files copied in from the user's checkout). */
  exclude?: readonly string[];
}

export class ChangeRecorder {
  async commitAll(input: CommitAllInput): Promise<RecordedChanges> {
    const { worktreePath } = input;
    // Read once for the whole recording: the agent's processes have ended, and each read is a process.
    const guarded: GitRunOptions = { configOverrides: await readConfigOverrides(worktreePath) };
    await git(worktreePath, ['add', '--all', '--', '.'], guarded);
    // Taken out of the index again rather than left out of `add`: git refuses a pathspec naming an ignored file.
    if (input.exclude?.length) await git(worktreePath, ['--literal-pathspecs', 'rm', '--cached', '--quiet', '--ignore-unmatch', '--', ...input.exclude], guarded);
    const staged = await runGit(worktreePath, ['diff', '--cached', '--quiet', '--no-ext-diff'], { ...guarded, okExitCodes: [1] });
    const committed = staged.exitCode === 1;
    if (committed) {
      // --no-verify: the repository's hooks are not ours to run on an agent's behalf.
      await git(worktreePath, ['commit', '--quiet', '--no-verify', '--allow-empty-message', '-m', input.message], {
        ...guarded,
        identity: input.author,
      });
    }
    const headCommit = await git(worktreePath, ['rev-parse', '--verify', 'HEAD^{commit}']);
    const stats = await diffStats(worktreePath, input.baseCommit, headCommit, guarded);
    return {
      headCommit,
      committed,
      filesChanged: stats.files.map((file) => file.path),
      insertions: stats.insertions,
      deletions: stats.deletions,
    };
  }
}
