/** Per-file and total line counts between two commits, from `git diff --numstat`. */
import { type GitRunOptions, runGit } from './git-command.ts';

export interface FileDiffStat {
  path: string;
  insertions: number;
  deletions: number;
  /** Binary files have no line counts. */
  binary: boolean;
}

export interface DiffStats {
  files: FileDiffStat[];
  insertions: number;
  deletions: number;
}

export async function diffStats(repoPath: string, fromCommit: string, toCommit: string, options: Pick<GitRunOptions, 'configOverrides'> = {}): Promise<DiffStats> {
  // -z: paths verbatim; --no-renames: a rename counts as the delete and the add it is on disk.
  const output = (
    await runGit(repoPath, ['diff', '--numstat', '-z', '--no-renames', '--no-ext-diff', fromCommit, toCommit, '--'], {
      ...options,
      raw: true,
    })
  ).stdout;
  const files: FileDiffStat[] = [];
  for (const record of output.split('\0')) {
    const match = /^(-|\d+)\t(-|\d+)\t(.+)$/s.exec(record);
    if (!match) continue;
    const [, added = '-', removed = '-', path = ''] = match;
    const binary = added === '-' || removed === '-';
    files.push({ path, insertions: binary ? 0 : Number(added), deletions: binary ? 0 : Number(removed), binary });
  }
  return {
    files,
    insertions: files.reduce((sum, file) => sum + file.insertions, 0),
    deletions: files.reduce((sum, file) => sum + file.deletions, 0),
  };
}
