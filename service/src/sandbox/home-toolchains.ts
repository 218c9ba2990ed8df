/**
 * The user's toolchains that live in HOME (pyenv, nvm, rustup, …): an attempt's HOME is private,
 * so without this a shim on PATH (`~/.pyenv/shims/python3`) is found but what it runs is not, and
 * the user's own test command exits 127. These folders are shown read-only at their own paths.
 * What tools write as they run (pip's, npm's, cargo's and go's caches) stays in the attempt's
 * private HOME: an attempt cannot change what the next one runs, and attempts running at once
 * never share a half-written cache.
 */
import { existsSync, realpathSync } from 'node:fs';
import { isAbsolute, join, relative } from 'node:path';
import { isInside } from '../path-inside.ts';

/**
 * Where each version manager or toolchain keeps its versions, relative to HOME, and the variable
 * that moves it. Tools that write caches inside their root (cargo's registry, go's module cache,
 * bun's install cache) show only their `bin`.
 */
const toolchainRoots: ReadonlyArray<{ path: string; variable?: string; show?: string }> = [
  { path: '.pyenv', variable: 'PYENV_ROOT' },
  { path: '.rbenv', variable: 'RBENV_ROOT' },
  { path: '.nvm', variable: 'NVM_DIR' },
  { path: '.fnm', variable: 'FNM_DIR' },
  { path: '.local/share/fnm' },
  { path: '.volta', variable: 'VOLTA_HOME' },
  { path: '.asdf', variable: 'ASDF_DATA_DIR' },
  { path: '.local/share/mise', variable: 'MISE_DATA_DIR' },
  { path: '.rustup', variable: 'RUSTUP_HOME' },
  { path: '.cargo', variable: 'CARGO_HOME', show: 'bin' },
  { path: 'go', variable: 'GOPATH', show: 'bin' },
  { path: 'sdk' },
  { path: '.local/go' },
  { path: '.local/bin' },
  { path: '.local/share/uv' },
  { path: '.local/share/pipx' },
  { path: '.bun', variable: 'BUN_INSTALL', show: 'bin' },
  { path: '.deno', variable: 'DENO_INSTALL', show: 'bin' },
  { path: '.sdkman', variable: 'SDKMAN_DIR' },
];

/** Folders in HOME that are never shown, whatever PATH says: keys and credentials. */
const neverShown = ['.ssh', '.gnupg', '.aws', '.azure', '.kube', '.docker', '.config/gcloud', '.git-credentials', '.netrc', '.pypirc'];

/**
 * The folders of `home` every attempt sees read-only: the toolchain roots above that exist, and
 * the folders on PATH under HOME (each as the toolchain root holding it, when there is one).
 * Never HOME itself, a folder holding the service's data, or one holding keys.
 */
export function homeToolchainFolders(env: NodeJS.ProcessEnv, home: string, dataDir: string): string[] {
  const inHome = (path: string) => isAbsolute(path) && isInside(path, home) && path !== home;
  const shown = new Set<string>();
  const show = (path: string) => {
    if (!existsSync(path)) return;
    const real = realpathSync(path);
    const folder = inHome(real) ? real : path;
    const secret = [dataDir, ...neverShown.map((name) => join(home, name))].some((hidden) => isInside(hidden, folder));
    if (!secret && folder !== home) shown.add(folder);
  };
  // Each manager at its usual place and where its variable moves it (which may be another HOME's).
  const roots = toolchainRoots.flatMap(({ path, variable, show: part }) =>
    [join(home, path), ...(variable && env[variable] ? [env[variable]] : [])].map((root) => (part ? join(root, part) : root)),
  );
  for (const root of roots) if (inHome(root)) show(root);
  for (const entry of (env.PATH ?? '').split(':')) {
    if (!entry || !inHome(entry)) continue;
    show(roots.find((root) => isInside(entry, root)) ?? entry);
  }
  return [...shown].filter((folder) => ![...shown].some((other) => other !== folder && isInside(folder, other))).sort();
}

/** A folder as HOME-relative text for messages (`~/.pyenv`), or as it is outside HOME. */
export function tildePath(path: string, home: string): string {
  return path !== home && isInside(path, home) ? `~/${relative(home, path)}` : path;
}
