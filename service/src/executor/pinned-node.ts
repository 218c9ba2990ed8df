/**
 * The Node version a repository pins (`.nvmrc`, `.node-version`), from the user's nvm: nvm is a
 * shell function, not a shim, so nothing on PATH reads those files on its own. Its `bin` goes
 * first on the PATH of the repository's setup and verify commands. Shim-based managers (volta,
 * asdf, mise, fnm's shims) read their own files and need nothing here.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** `v20.11.1` → [20, 11, 1]; undefined for anything else. */
function versionParts(name: string): number[] | undefined {
  const match = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(name);
  return match ? match.slice(1).map(Number) : undefined;
}

/** The newest installed version whose numbers start with the pinned ones (`20` matches v20.x.y). */
function newestMatching(installed: readonly string[], pinned: string): string | undefined {
  const wanted = pinned.replace(/^v/, '').split('.').filter(Boolean).map(Number);
  if (wanted.length === 0 || wanted.some(Number.isNaN)) return undefined;
  return installed
    .flatMap((name) => {
      const parts = versionParts(name);
      return parts && wanted.every((number, index) => parts[index] === number) ? [{ name, parts }] : [];
    })
    .sort((a, b) => b.parts[0]! - a.parts[0]! || b.parts[1]! - a.parts[1]! || b.parts[2]! - a.parts[2]!)[0]?.name;
}

/** The `bin` folder of the Node version the worktree pins, when the user's nvm has it installed. */
export async function pinnedNodeBin(worktree: string, env: NodeJS.ProcessEnv, home: string): Promise<string | undefined> {
  let pinned: string | undefined;
  for (const file of ['.nvmrc', '.node-version']) {
    pinned = (await readFile(join(worktree, file), 'utf8').catch(() => undefined))?.trim().split(/\s/)[0];
    if (pinned) break;
  }
  if (!pinned) return undefined;
  const versions = join(env.NVM_DIR || join(home, '.nvm'), 'versions', 'node');
  const installed = await readdir(versions).catch(() => [] as string[]);
  const version = newestMatching(installed, pinned);
  return version ? join(versions, version, 'bin') : undefined;
}
