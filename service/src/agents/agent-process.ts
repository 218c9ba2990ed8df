import type { AgentInvocation, AgentOutcome, AgentOutputParser, AgentProgress } from './agent-adapter.ts';
import { BoundedLines, wellFormed } from './bounded-lines.ts';
import { type Confinement, startProcess } from './process-launch.ts';
import { killTagged, tagEnvironment } from './process-tag.ts';

export interface RunAgentProcessOptions {
  invocation: AgentInvocation;
  /** The attempt's worktree. */
  cwd: string;
  parser: AgentOutputParser;
  /** Whole-run limit; undefined or 0 means none. */
  timeoutMs?: number | undefined;
  /** Aborting stops the agent and its whole process tree (cancellation, budget, shutdown). */
  signal?: AbortSignal | undefined;
  /**
   * Called for each stdout line that parses to progress, in order, and awaited before the next
   * line is read, so a slow event store slows the reading instead of piling lines up in memory.
   * A throw stops the agent and is rethrown by runAgentProcess.
   */
  onProgress?: ((progress: AgentProgress, rawLine: string) => Promise<void> | void) | undefined;
  /** Called with the running cost whenever a line reports one; the caller aborts `signal` to stop. */
  onCost?: ((costUsd: number) => void) | undefined;
  /**
   * Marks the agent and every process it starts (PROCESS_TAG_VARIABLE); whatever still carries
   * the mark when the run ends is killed, also processes that left the process group.
   */
  processTag?: string | undefined;
  /** Bounds on what the agent prints: one line, and everything (defaults above). */
  maxLineChars?: number | undefined;
  maxOutputChars?: number | undefined;
  /** Runs the agent confined (the attempt's sandbox). */
  confinement?: Confinement | undefined;
  /** False: the agent runs with no network at all (only when confined). */
  network?: boolean | undefined;
  /** Time between SIGTERM and SIGKILL for the process tree. */
  forceKillAfterMs?: number | undefined;
  /**
   * Once the agent itself has exited, how long its leftover children may keep stdout open
   * before the process group is killed (a daemonised grandchild must not hang the attempt).
   */
  orphanGraceMs?: number | undefined;
}

export interface AgentProcessResult {
  /** Null when the process was killed by a signal or could not be started. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  /** True when `signal` was aborted while the agent ran. */
  cancelled: boolean;
  durationMs: number;
  outcome: AgentOutcome;
  /** The last ~4 KB of stderr (or why the process could not start). */
  stderrTail: string;
  /** Lines past the attempt's output bound (`maxOutputChars`), dropped unparsed. */
  linesCut: number;
  /** Why the program could not be started at all (not found, not executable); the attempt's error. */
  startError: string | undefined;
}

const stderrTailBytes = 4096;
/** One line of agent output at most (longer ones are cut and marked): 64 K characters. */
export const defaultMaxLineChars = 64 * 1024;
/** All the output of one attempt that is parsed and stored at most: 64 M characters. */
export const defaultMaxOutputChars = 64 * 1024 * 1024;

/**
 * Runs one agent attempt (started as process-launch.ts starts every agent and project command),
 * parsing its stdout line by line within the output bounds.
 */
export async function runAgentProcess(options: RunAgentProcessOptions): Promise<AgentProcessResult> {
  const { invocation, parser } = options;
  const started = performance.now();
  const { subprocess, confinementError } = startProcess(
    { ...invocation, env: { ...invocation.env, ...tagEnvironment(options.processTag) } },
    {
      cwd: options.cwd,
      confinement: options.confinement,
      network: options.network,
      // A program that ends itself when told (cancelInput) is told first and signalled after the grace.
      execa: { cancelSignal: invocation.cancelInput === undefined ? options.signal : undefined, timeout: options.timeoutMs ?? 0, forceKillAfterDelay: options.forceKillAfterMs ?? 5_000 },
    },
  );
  let cancelTimer: NodeJS.Timeout | undefined;
  if (invocation.cancelInput !== undefined && options.signal) {
    const cancelInput = invocation.cancelInput;
    const tellToCancel = () => {
      subprocess.stdin?.write(cancelInput, () => {});
      cancelTimer = setTimeout(() => subprocess.kill(), options.forceKillAfterMs ?? 5_000);
    };
    if (options.signal.aborted) tellToCancel();
    else options.signal.addEventListener('abort', tellToCancel, { once: true });
  }
  subprocess.stdin?.on('error', () => {});

  let stderrTail = '';
  subprocess.stderr?.setEncoding('utf8');
  subprocess.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-stderrTailBytes);
  });

  // The attempt ends when the agent exits: its leftover children get a short grace to finish
  // writing, then the process group is killed and our end of stdout closed, so a daemonised
  // grandchild holding the pipe (even one that left the group) cannot keep the attempt open.
  const tag = options.processTag;
  let orphanTimer: NodeJS.Timeout | undefined;
  subprocess.nodeChildProcess.once('exit', () => {
    orphanTimer = setTimeout(() => {
      subprocess.kill();
      if (tag) void killTagged((candidate) => candidate === tag);
      subprocess.stdout?.destroy();
    }, options.orphanGraceMs ?? 2_000);
  });

  // After a callback failure the agent is killed and the rest of its output drained.
  let callbackError: { error: unknown } | undefined;
  let outputChars = 0;
  let linesCut = 0;
  const maxOutputChars = options.maxOutputChars ?? defaultMaxOutputChars;
  const handleLine = async (line: string) => {
    if (callbackError) return;
    outputChars += line.length + 1;
    if (outputChars > maxOutputChars) {
      linesCut += 1;
      return;
    }
    try {
      const progress = parser.parseLine(line);
      if (!progress) return;
      if (progress.costUsd !== undefined) options.onCost?.(progress.costUsd);
      await options.onProgress?.(progress, line);
    } catch (error) {
      callbackError = { error };
      subprocess.kill();
    }
  };
  const lines = new BoundedLines(options.maxLineChars ?? defaultMaxLineChars);
  try {
    subprocess.stdout?.setEncoding('utf8');
    for await (const chunk of subprocess.stdout ?? []) {
      for (const line of lines.push(chunk as string)) await handleLine(line);
    }
  } catch {
    // The stream broke (the process failed, or we closed it after the agent exited).
  }
  for (const line of lines.end()) await handleLine(line);
  const result = await subprocess;
  clearTimeout(orphanTimer);
  clearTimeout(cancelTimer);
  // Confined, nothing outlives the sandbox's own init (its process namespace ends with it), so
  // the walk of every process on the machine is only for unconfined runs.
  if (tag && !options.confinement) await killTagged((candidate) => candidate === tag);
  if (callbackError) throw callbackError.error;

  const exitCode = result.exitCode ?? null;
  const cancelled = result.isCanceled || (options.signal?.aborted ?? false);
  const notStarted = result.failed && exitCode === null && !result.isTerminated;
  if (stderrTail === '' && notStarted) stderrTail = result.shortMessage ?? '';
  // An agent started through a shim the sandbox hides exits 127 before doing anything, one whose script it hides fails: say what was hidden.
  const hidden = exitCode === null ? undefined : options.confinement?.explainNotRunnable(invocation.file, exitCode, stderrTail, invocation.args);
  const startError = (await confinementError) ?? (notStarted ? describeStartFailure(invocation.file, (result.cause as { code?: unknown } | undefined)?.code) : hidden);
  return {
    exitCode,
    signal: result.signal ?? null,
    timedOut: result.timedOut,
    cancelled,
    durationMs: Math.round(performance.now() - started),
    outcome: parser.finish(exitCode),
    stderrTail: wellFormed(stderrTail),
    linesCut,
    startError,
  };
}

function describeStartFailure(file: string, code: unknown): string {
  if (code === 'ENOENT') return `program ${file} not found (give its absolute path, or install it on the service's PATH)`;
  if (code === 'EACCES') return `program ${file} is not executable`;
  return `program ${file} could not be started${typeof code === 'string' ? ` (${code})` : ''}`;
}
