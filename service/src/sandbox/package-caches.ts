/**
 * One dependency download per repository, not per attempt: each attempt's HOME is private, so
 * four attempts of a pnpm project each fetched all its packages. The package managers' download
 * caches live per repository in the service's data folder and are shown, writable, to the
 * repository's setup command only (the user's own command, which fills them); agents and verify
 * get private, empty ones, so nothing an agent runs can plant a package for the next attempt.
 * The caches below take concurrent writers (npm's cacache, pip's, uv's and cargo's locks, pnpm's
 * store), so setups of attempts running at once share them safely.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Download caches, relative to HOME. Build caches (go's GOCACHE, a project's target/) are not downloads and stay private. */
export const packageCacheFolders = [
  '.cache/pip',
  '.cache/uv',
  '.npm/_cacache',
  '.local/share/pnpm/store',
  '.cache/pnpm',
  '.cache/yarn',
  '.yarn/berry/cache',
  '.cargo/registry',
  '.cargo/git',
  'go/pkg/mod',
  '.bun/install/cache',
];

/**
 * Installs copy out of the shared cache instead of linking to it: a hard link would let an
 * agent that edits `node_modules` (or a venv) change the cached file every later setup uses.
 */
export const copyInsteadOfLinking: Record<string, string> = {
  pnpm_config_package_import_method: 'clone-or-copy',
  UV_LINK_MODE: 'copy',
};

/** The repository's cache folder in the data folder, made with every tool's subfolder. */
export async function repositoryCaches(dataDir: string, repositoryKey: string): Promise<string> {
  const root = join(dataDir, 'caches', createHash('sha256').update(repositoryKey).digest('hex').slice(0, 16));
  for (const folder of packageCacheFolders) await mkdir(join(root, folder), { recursive: true });
  return root;
}

const filling = new Map<string, Promise<unknown>>();

/**
 * Runs a setup with the repository's caches: while they are still empty, one setup at a time,
 * so the first downloads each package and the others find it there (four setups starting at
 * once on an empty cache would each download everything). Once one has passed, all run at once.
 */
export async function withPackageCaches<T extends { passed: boolean }>(root: string, setup: () => Promise<T>): Promise<T> {
  const filled = join(root, '.filled');
  for (;;) {
    if (existsSync(filled)) return setup();
    const running = filling.get(root);
    if (!running) break;
    await running.catch(() => {});
  }
  const run = setup().then(async (result) => {
    if (result.passed) await writeFile(filled, '');
    return result;
  });
  filling.set(root, run);
  try {
    return await run;
  } finally {
    filling.delete(root);
  }
}
