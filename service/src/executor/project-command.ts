import { homedir } from 'node:os';
import { wellFormed } from '../agents/bounded-lines.ts';
import { type Confinement, startProcess } from '../agents/process-launch.ts';
import { killTagged, tagEnvironment } from '../agents/process-tag.ts';
import { ErrorLines } from './error-lines.ts';
import { plainText } from './terminal-text.ts';
import { pinnedNodeBin } from './pinned-node.ts';

/** How a project command (verify, setup) went; only the tail of its output is kept. */
export interface ProjectCommandResult {
  passed: boolean;
  exitCode: number | null;
  durationMs: number;
  outputTail: string;
  timedOut: boolean;
  /** The first lines that look like an error, wherever they were (error-lines.ts). */
  errorLines: string[];
}

const OUTPUT_TAIL_BYTES = 4000;

export interface ProjectCommandOptions {
  timeoutSeconds: number;
  signal: AbortSignal;
  processTag?: string | undefined;
  /** The attempt's sandbox, when it has one. */
  confinement?: Confinement | undefined;
  /** False: no network at all (a verify command's `network: "none"`). */
  network?: boolean | undefined;
  /** The repository's shared package download caches, writable: the setup command, which fills them. */
  packageCaches?: boolean | undefined;
}

/**
 * Runs a project command (the task's verify or setup command, i.e. code from the repository) in
 * one attempt's worktree, with the agents' environment (no service secrets) and in the
 * attempt's sandbox. Only the tail of its output is kept, however much it prints; its processes
 * are marked with `processTag` and any left when it ends are killed.
 */
export async function runProjectCommand(command: readonly string[], worktree: string, options: ProjectCommandOptions): Promise<ProjectCommandResult> {
  const [file, ...args] = command;
  const started = performance.now();
  const tag = options.processTag;
  const { subprocess, confinementError } = startProcess(
    { file: file!, args, env: { CI: 'true', ...tagEnvironment(tag) }, projectCode: true, pathFirst: await pinnedNodeBin(worktree, process.env, process.env.HOME || homedir()) },
    {
      cwd: worktree,
      confinement: options.confinement,
      network: options.network,
      packageCaches: options.packageCaches,
      execa: { all: true, timeout: options.timeoutSeconds * 1000, cancelSignal: options.signal, forceKillAfterDelay: 2000 },
    },
  );
  let rawTail = '';
  const errors = new ErrorLines();
  subprocess.all?.setEncoding('utf8');
  subprocess.all?.on('data', (chunk: string) => {
    // Twice the tail, raw: once its terminal codes are gone (terminal-text.ts) a full tail of text is left.
    rawTail = (rawTail + chunk).slice(-2 * OUTPUT_TAIL_BYTES);
    errors.push(chunk);
  });
  const result = await subprocess;
  const tail = plainText(rawTail).slice(-OUTPUT_TAIL_BYTES);
  // Confined, nothing outlives the sandbox's process namespace; unconfined, leftovers are found by their tag.
  if (tag && !options.confinement) await killTagged((candidate) => candidate === tag);
  const sandboxError = await confinementError;
  // A command that could not start has no output; its error message says why.
  // A program the sandbox hides exits 126/127 with words about something else: say what it hid.
  const hint = result.exitCode === undefined ? undefined : options.confinement?.explainNotRunnable(file!, result.exitCode, tail, args);
  const output = sandboxError ? `${tail}\n${sandboxError}` : result.exitCode === undefined ? `${tail}\n${result.shortMessage}` : hint ? `${tail.trimEnd()}\n${hint}\n` : tail;
  return {
    passed: result.exitCode === 0 && !result.timedOut && !result.isCanceled,
    exitCode: result.exitCode ?? null,
    durationMs: Math.round(performance.now() - started),
    outputTail: wellFormed(output.slice(-OUTPUT_TAIL_BYTES)),
    timedOut: result.timedOut,
    errorLines: errors.end().map(wellFormed),
  };
}
