import { execa } from 'execa';
import type { AgentInvocation, AgentOutcome, AgentOutputParser, AgentProgress } from './agent-adapter.ts';

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
}

const stderrTailBytes = 4096;

/** The service's own secrets and settings, which an agent (running model-written commands) must not see. */
const serviceOnlyVariable = /^(API_KEYS|DATABASE_URL|KAGE_.*)$/;

/** The service's environment without its own secrets, plus what the adapter asks for. */
export function agentEnvironment(serviceEnv: NodeJS.ProcessEnv, added: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(serviceEnv)) {
    if (value !== undefined && !serviceOnlyVariable.test(key)) env[key] = value;
  }
  return { ...env, ...added };
}

/**
 * Runs one agent attempt: argv only (never a shell), cwd = worktree, the invocation's env added
 * to the service's (minus the service's own secrets), stdin closed. With `killDescendants` execa puts the agent in its own process
 * group, so timeout, abort and the force-kill reach every child it spawned.
 */
export async function runAgentProcess(options: RunAgentProcessOptions): Promise<AgentProcessResult> {
  const { invocation, parser } = options;
  const started = performance.now();
  const subprocess = execa(invocation.file, invocation.args, {
    cwd: options.cwd,
    env: agentEnvironment(process.env, invocation.env),
    extendEnv: false,
    stdin: 'ignore',
    buffer: false,
    reject: false,
    cancelSignal: options.signal,
    timeout: options.timeoutMs ?? 0,
    forceKillAfterDelay: options.forceKillAfterMs ?? 5_000,
    killDescendants: true,
  });

  let stderrTail = '';
  subprocess.stderr?.setEncoding('utf8');
  subprocess.stderr?.on('data', (chunk: string) => {
    stderrTail = (stderrTail + chunk).slice(-stderrTailBytes);
  });

  let orphanTimer: NodeJS.Timeout | undefined;
  subprocess.nodeChildProcess.once('exit', () => {
    orphanTimer = setTimeout(() => subprocess.kill(), options.orphanGraceMs ?? 2_000);
  });

  // Never leave this loop early: returning from execa's line iterator waits for the process to
  // end. After a callback failure the agent is killed and the rest of its output drained.
  let callbackError: { error: unknown } | undefined;
  try {
    for await (const line of subprocess.iterable({ from: 'stdout' })) {
      if (callbackError) continue;
      try {
        const progress = parser.parseLine(line);
        if (!progress) continue;
        if (progress.costUsd !== undefined) options.onCost?.(progress.costUsd);
        await options.onProgress?.(progress, line);
      } catch (error) {
        callbackError = { error };
        subprocess.kill();
      }
    }
  } catch {
    // The stream broke because the process failed; the awaited result below says how.
  }
  const result = await subprocess;
  clearTimeout(orphanTimer);
  if (callbackError) throw callbackError.error;

  const exitCode = result.exitCode ?? null;
  const cancelled = result.isCanceled || (options.signal?.aborted ?? false);
  if (stderrTail === '' && result.failed && exitCode === null && !result.isTerminated) {
    stderrTail = result.shortMessage ?? '';
  }
  return {
    exitCode,
    signal: result.signal ?? null,
    timedOut: result.timedOut,
    cancelled,
    durationMs: Math.round(performance.now() - started),
    outcome: parser.finish(exitCode),
    stderrTail,
  };
}
