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
  /** The patch was cut: past `maxTotal` (the files after that are missing) or per file. */
  truncated: boolean;
  /** Files whose part of the patch was cut at `maxPerFile`. */
  truncatedFiles: string[];
}

/** Bounds of one diff answer, in characters: an agent's 300 MB file must not fill memory. */
export interface DiffBounds {
  maxTotal: number;
  maxPerFile: number;
}

export const defaultDiffBounds: DiffBounds = { maxTotal: 8 * 1024 * 1024, maxPerFile: 512 * 1024 };

export class DiffReader {
  private readonly bounds: DiffBounds;

  constructor(bounds: DiffBounds = defaultDiffBounds) {
    this.bounds = bounds;
  }

  async diff(input: DiffInput): Promise<AttemptDiff> {
    const baseCommit = await resolveCommit(input.repoPath, input.baseCommit);
    const headCommit = await resolveCommit(input.repoPath, input.branch);
    // The user's diff drivers and textconv filters are not ours to run; binary files show as such.
    // Names stay as they are (no octal escapes for non-ASCII), since people read the patch.
    const { stdout, truncated } = await runGit(
      input.repoPath,
      ['-c', 'core.quotePath=false', 'diff', '--no-color', '--no-ext-diff', '--no-textconv', baseCommit, headCommit, '--'],
      { raw: true, maxOutput: this.bounds.maxTotal },
    );
    const { patch, truncatedFiles } = cutPerFile(stdout, this.bounds.maxPerFile);
    return {
      baseCommit,
      headCommit,
      patch: truncated ? `${patch}\n… [diff cut at ${this.bounds.maxTotal} characters; see stats for every file]\n` : patch,
      stats: await diffStats(input.repoPath, baseCommit, headCommit),
      truncated: truncated || truncatedFiles.length > 0,
      truncatedFiles,
    };
  }
}

/** Cuts each file's part of a patch at `maxPerFile` characters, with a marker line. */
function cutPerFile(patch: string, maxPerFile: number): { patch: string; truncatedFiles: string[] } {
  const truncatedFiles: string[] = [];
  const parts = patch.split(/(?=^diff --git )/m).map((part) => {
    if (part.length <= maxPerFile) return part;
    const file = /^diff --git a\/(.*) b\//.exec(part)?.[1] ?? '(unknown)';
    truncatedFiles.push(file);
    return `${part.slice(0, maxPerFile)}\n… [diff of ${file} cut: ${part.length - maxPerFile} more characters]\n`;
  });
  return { patch: parts.join(''), truncatedFiles };
}
