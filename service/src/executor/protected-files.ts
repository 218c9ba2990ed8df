/**
 * Verify that cannot be gamed: an agent under pressure deletes or weakens the failing test.
 * Files matching the task's `verify.protect` globs (or `.kage.json`'s, read at the base commit)
 * are put back as they were at the base commit while verify runs, so each attempt is judged by
 * the tests it was given; the attempt's own versions come back afterwards, and an attempt that
 * changed any of them is marked and ranks below every attempt that did not.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { git, runGit } from '../git/git-command.ts';

const KageJsonVerify = z.looseObject({ verify: z.looseObject({ protect: z.array(z.string().min(1)).optional() }).optional() });

/** The globs that apply: the task's, else `.kage.json`'s at the base commit (not the attempt's copy, which it may have edited). */
export async function protectedGlobs(repoPath: string, baseCommit: string, fromTask: readonly string[] | undefined): Promise<string[]> {
  if (fromTask) return [...fromTask];
  const text = await git(repoPath, ['cat-file', 'blob', `${baseCommit}:.kage.json`]).catch(() => undefined);
  if (text === undefined) return [];
  try {
    return KageJsonVerify.parse(JSON.parse(text)).verify?.protect ?? [];
  } catch {
    // An unreadable .kage.json is reported by the setup that reads it; no globs from it here.
    return [];
  }
}

const pathspecs = (globs: readonly string[]) => globs.map((glob) => `:(glob)${glob}`);

/** The protected files the attempt changed, added or deleted between the base commit and its head. */
export async function protectedChanges(worktree: string, baseCommit: string, headCommit: string, globs: readonly string[]): Promise<string[]> {
  if (globs.length === 0) return [];
  const changed = await git(worktree, ['diff', '--name-only', '--no-renames', '-z', baseCommit, headCommit, '--', ...pathspecs(globs)]);
  return changed.split('\0').filter(Boolean).sort();
}

async function existsAt(worktree: string, commit: string, path: string): Promise<boolean> {
  return (await runGit(worktree, ['cat-file', '-e', `${commit}:${path}`], { okExitCodes: [128] })).exitCode === 0;
}

/** Puts `paths` (worktree and index) as they are at `commit`: checked out where they exist there, removed where not. */
async function putPathsAt(worktree: string, commit: string, paths: readonly string[]): Promise<void> {
  await git(worktree, ['--literal-pathspecs', 'reset', '--quiet', commit, '--', ...paths]);
  for (const path of paths) {
    if (await existsAt(worktree, commit, path)) await git(worktree, ['--literal-pathspecs', 'checkout', commit, '--', path]);
    else await rm(join(worktree, path), { force: true, recursive: true });
  }
  await git(worktree, ['--literal-pathspecs', 'reset', '--quiet', 'HEAD', '--', ...paths]);
}

/**
 * Runs `work` (verify) with the changed protected files as at the base commit, then puts the
 * attempt's versions back (its head commit holds them), whatever `work` did.
 */
export async function withProtectedFilesRestored<T>(worktree: string, baseCommit: string, changed: readonly string[], work: () => Promise<T>): Promise<T> {
  if (changed.length === 0) return work();
  await putPathsAt(worktree, baseCommit, changed);
  try {
    return await work();
  } finally {
    await putPathsAt(worktree, 'HEAD', changed);
  }
}
