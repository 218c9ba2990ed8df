/**
 * Why a program failed in an attempt's sandbox, in words: exit 127 from a shim whose
 * version manager the sandbox does not show reads "line 12: …/libexec/pyenv: No such file or
 * directory", which says nothing about the sandbox; a script named by absolute path that the
 * sandbox hides fails with the interpreter's "not found". The host still has the file: that is
 * the folder to show.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, relative } from 'node:path';
import { findExecutable } from '../agents/binary-lookup.ts';
import { isInside } from '../path-inside.ts';
import { tildePath } from './home-toolchains.ts';

export interface HiddenProgramInput {
  program: string;
  /** The program's arguments: a path among them may be what the sandbox hid. */
  args?: readonly string[] | undefined;
  exitCode: number;
  output: string;
  home: string;
  /** Whether the sandbox shows this host path. */
  shows(path: string): boolean;
  /** The service's PATH, where the program was found outside. */
  servicePath?: string | undefined;
}

/** One line for the attempt (or undefined when the exit was not about running a program). */
export function hiddenProgramHint(input: HiddenProgramInput): string | undefined {
  if (input.exitCode === 0) return undefined;
  if (input.exitCode !== 126 && input.exitCode !== 127) return hiddenArgumentHint(input);
  const named = [...input.output.matchAll(/(?<![\w.~-])\/[\w.@+~/-]+/g)].map((match) => match[0].replace(/[.:]+$/, ''));
  const found = findExecutable(input.program, input.servicePath);
  const hidden = [...new Set([...(found ? [found] : []), ...named])].filter((path) => isAbsolute(path) && existsSync(path) && !input.shows(path));
  const what = input.exitCode === 127 ? 'was not found or could not start' : 'could not run';
  if (hidden.length === 0) return `sandbox: \`${input.program}\` ${what} in the attempt's sandbox (exit ${input.exitCode}); if it is installed outside the system folders, add its folder to KAGE_SANDBOX_READ_PATHS`;
  const needs = hidden.map((path) => tildePath(path, input.home)).join(', ');
  return `sandbox: \`${input.program}\` ${what} in the attempt's sandbox (exit ${input.exitCode}): it needs ${needs}, which the sandbox does not show; add ${folderToShow(hidden, input.home)} to KAGE_SANDBOX_READ_PATHS`;
}

/**
 * Any other failure of a command whose output names a file from its arguments that the sandbox
 * hides (a script kept outside the repository: `node /srv/agents/fix.mjs` exits 1 with "Cannot
 * find module '/srv/agents/fix.mjs'"): that file is the cause. Named in the output, or an
 * argument (a config in the data folder, say) would be blamed for an unrelated failure.
 */
function hiddenArgumentHint(input: HiddenProgramInput): string | undefined {
  const hidden = [...new Set(input.args ?? [])].filter((arg) => isAbsolute(arg) && input.output.includes(arg) && existsSync(arg) && !input.shows(arg));
  if (hidden.length === 0) return undefined;
  const named = hidden.map((path) => tildePath(path, input.home)).join(', ');
  return `sandbox: \`${input.program}\` exited ${input.exitCode}; its command names ${named}, which the attempt's sandbox does not show; add ${folderToShow(hidden, input.home)} to KAGE_SANDBOX_READ_PATHS`;
}

/** One folder holding every hidden file (a shim and the manager it runs: the manager's root), else each one's. */
function folderToShow(hidden: readonly string[], home: string): string {
  const folders = [...new Set(hidden.map((path) => installationFolder(path, home)))];
  const common = folders.reduce((shared, folder) => {
    while (!isInside(folder, shared)) shared = dirname(shared);
    return shared;
  });
  return common.split('/').filter(Boolean).length >= 2 ? common : folders.join(':');
}

/** The folder to show for a hidden file: its top folder in HOME (`~/.pyenv`), or its installation (above `bin`). */
function installationFolder(path: string, home: string): string {
  if (path !== home && isInside(path, home)) return `${home}/${relative(home, path).split('/')[0]}`;
  const folder = dirname(path);
  return basename(folder) === 'bin' ? dirname(folder) : folder;
}
