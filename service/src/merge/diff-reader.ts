/** An attempt's changes against the task's base commit: the unified diff and its line counts. */
import { diffStats, type DiffStats } from '../git/diff-stats.ts';
import { runGit } from '../git/git-command.ts';
import { resolveCommit } from '../git/repository.ts';

export interface DiffInput {
  repoPath: string;
  baseCommit: string;
  /** The attempt's branch (or any commit-ish). */
  branch: string;
}

export interface AttemptDiff {
  baseCommit: string;
  headCommit: string;
  patch: string;
  stats: DiffStats;
}

export class DiffReader {
  async diff(input: DiffInput): Promise<AttemptDiff> {
    const baseCommit = await resolveCommit(input.repoPath, input.baseCommit);
    const headCommit = await resolveCommit(input.repoPath, input.branch);
    // The user's diff drivers and textconv filters are not ours to run; binary files show as such.
    const patch = (
      await runGit(input.repoPath, ['diff', '--no-color', '--no-ext-diff', '--no-textconv', baseCommit, headCommit, '--'], {
        raw: true,
      })
    ).stdout;
    return { baseCommit, headCommit, patch, stats: await diffStats(input.repoPath, baseCommit, headCommit) };
  }
}
