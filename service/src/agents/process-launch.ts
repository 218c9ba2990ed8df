import type { Duplex } from 'node:stream';
import { isAbsolute, resolve } from 'node:path';
import { execa, type Options } from 'execa';
import { agentEnvironment } from './agent-environment.ts';
import { findExecutable } from './binary-lookup.ts';

/** A program to start: argv only (never a shell), and what to add to its environment. */
export interface ProcessLaunch {
  file: string;
  args: string[];
  env: Record<string, string>;
  /** Variables of the service's environment it needs beyond the common ones (its API keys and endpoints): names or prefixes ending in `*`. */
  passEnv?: readonly string[];
  /** The repository's own code (setup, verify): it runs with the user's PATH, without the service's bundled Node. */
  projectCode?: boolean;
  /** A folder first on its PATH (the Node version the repository pins). */
  pathFirst?: string | undefined;
  /** Other programs it runs (the ACP bridge's script and agent): the sandbox shows their installations read-only too. */
  programs?: string[];
  /**
   * Written to its stdin (otherwise closed) when the run is cancelled: the program ends itself
   * (the ACP bridge cancels through the protocol) before it is signalled. A signal would not
   * reach it in the sandbox anyway: the sandbox's init dies and takes everything with it.
   */
  cancelInput?: string;
}

/**
 * Runs a process confined (the sandbox implements it; sandbox/attempt-sandbox.ts). `wrap`
 * turns the launch into the confining program's; once that is spawned, `release` is given its
 * pid and its extra pipes (fd 3 on) and lets the confined program start.
 */
export interface Confinement {
  wrap(launch: ProcessLaunch, cwd: string, options: { network: boolean; packageCaches?: boolean | undefined }): ConfinedLaunch;
  /** Runs a setup with the repository's shared package caches (one at a time while they are empty). */
  withPackageCaches<T extends { passed: boolean }>(setup: () => Promise<T>): Promise<T>;
  /** Why a program failed inside, in words (what the confinement hid: the program, or a file its arguments name), if it can tell. */
  explainNotRunnable(program: string, exitCode: number, output: string, args?: readonly string[]): string | undefined;
}

export interface ConfinedLaunch extends ProcessLaunch {
  extraPipes: number;
  release(pid: number, pipes: Duplex[]): Promise<void>;
}

export interface StartOptions {
  cwd: string;
  confinement?: Confinement | undefined;
  /** False: no network at all (only with a confinement). */
  network?: boolean | undefined;
  /** The repository's shared package download caches, writable (its setup command only). */
  packageCaches?: boolean | undefined;
  /** execa's own options: timeout, cancelSignal, stdout/stderr handling. */
  execa: Pick<Options, 'timeout' | 'cancelSignal' | 'forceKillAfterDelay' | 'all'>;
}

/**
 * Starts an agent or project command the one way the service does: the agents' environment (no
 * service secrets), stdin closed, output streamed unbuffered, its own process group (so
 * timeout, abort and the force-kill reach every child), confined when a confinement is given.
 * A confined program starts only once `release` has placed it (a fork bomb cannot outrun that).
 */
export function startProcess(launch: ProcessLaunch, options: StartOptions) {
  // A program that does not exist is not wrapped: starting it fails at once, with its own name in
  // the error, as it does unconfined; nothing runs either way.
  const exists = findExecutable(isAbsolute(launch.file) || !launch.file.includes('/') ? launch.file : resolve(options.cwd, launch.file)) !== undefined;
  const confined = exists ? options.confinement?.wrap(launch, options.cwd, { network: options.network ?? true, packageCaches: options.packageCaches }) : undefined;
  const started = confined ?? launch;
  const pipes = confined ? Array.from({ length: confined.extraPipes }, () => 'pipe' as const) : [];
  const subprocess = execa(started.file, started.args, {
    ...options.execa,
    cwd: options.cwd,
    env: agentEnvironment(process.env, { env: started.env, passEnv: launch.passEnv, projectCode: launch.projectCode, pathFirst: launch.pathFirst }),
    extendEnv: false,
    stdio: [launch.cancelInput === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe', ...pipes],
    buffer: false,
    reject: false,
    killDescendants: true,
  });
  const pid = subprocess.pid;
  // A confinement that cannot be set up stops the program before it starts; the reason is kept.
  const extraPipes = subprocess.stdio.slice(3) as unknown as Duplex[];
  // A confining program that dies early closes its ends: the hand-shake's write then fails with
  // EPIPE, which must end that hand-shake, not the service (an 'error' nobody listens to would).
  for (const pipe of extraPipes) pipe.on('error', () => {});
  const confinementError =
    confined && pid !== undefined
      ? confined.release(pid, extraPipes).then(
          () => undefined,
          (error: unknown) => {
            subprocess.kill('SIGKILL');
            return `the sandbox could not be set up: ${(error as Error).message}`;
          },
        )
      : Promise.resolve(undefined);
  return { subprocess, confinementError };
}
