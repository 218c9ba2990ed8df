/**
 * `git merge-tree --write-tree`: merges two commits into a tree object in the object store only,
 * touching no index and no working tree. Conflicted files are written with conflict markers,
 * which is what the manual strategy commits for a person to resolve.
 */
import { GitCommandError, runGit } from '../git/git-command.ts';
import { type ConflictEntry, UnrelatedHistoriesError } from './merge-errors.ts';

export interface MergeTreeResult {
  clean: boolean;
  /** The merged tree (with conflict markers where it conflicts). */
  tree: string;
  conflicts: ConflictEntry[];
}

export async function mergeTree(repoPath: string, ours: string, theirs: string): Promise<MergeTreeResult> {
  const result = await runGit(repoPath, ['merge-tree', '--write-tree', '--name-only', '--messages', '-z', ours, theirs], {
    okExitCodes: [1],
    raw: true,
  }).catch((error: unknown) => {
    if (error instanceof GitCommandError && error.stderr.includes('unrelated histories')) throw new UnrelatedHistoriesError(ours, theirs);
    throw error;
  });
  return parseMergeTree(result.stdout, result.exitCode === 0);
}

/**
 * With -z the output is: the tree id NUL, the conflicted paths each NUL-terminated, an empty
 * field, then per message `<path count> NUL <paths…> NUL <type> NUL <text> NUL`.
 */
export function parseMergeTree(output: string, clean: boolean): MergeTreeResult {
  const fields = output.split('\0');
  const tree = fields[0] ?? '';
  let index = 1;
  const conflictedPaths: string[] = [];
  while (index < fields.length && fields[index] !== '') conflictedPaths.push(fields[index++] as string);
  index += 1;
  const kindByPath = new Map<string, { kind: string; message: string }>();
  while (index < fields.length) {
    const count = Number(fields[index]);
    if (!Number.isInteger(count) || fields[index] === '') break;
    const paths = fields.slice(index + 1, index + 1 + count);
    const type = fields[index + 1 + count] ?? '';
    const message = (fields[index + 2 + count] ?? '').trim();
    index += count + 3;
    if (!type.startsWith('CONFLICT')) continue;
    // The message names the kind more precisely than the type (add/add is typed "contents").
    const kind = /^CONFLICT \(([^)]+)\)/.exec(message)?.[1] ?? /^CONFLICT \((.+)\)$/.exec(type)?.[1] ?? 'unknown';
    for (const path of paths) if (!kindByPath.has(path)) kindByPath.set(path, { kind, message });
  }
  const conflicts = conflictedPaths.map((path) => ({
    path,
    kind: kindByPath.get(path)?.kind ?? 'unknown',
    message: kindByPath.get(path)?.message ?? '',
  }));
  return { clean: clean && conflicts.length === 0, tree, conflicts };
}
