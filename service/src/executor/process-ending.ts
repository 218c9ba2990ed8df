/**
 * How an attempt's run ended, in the words the API gives it: its status, why the service stopped
 * it (if it did) and the error a person reads.
 */
import type { AgentProcessResult } from '../agents/agent-process.ts';
import type { AttemptStatus } from '../model/statuses.ts';
import type { AttemptStopReason } from '../model/attempt.ts';
import type { LimitBreach } from '../sandbox/attempt-sandbox.ts';
import type { AttemptLimits } from '../model/attempt-limits.ts';

/** Why an attempt's processes were stopped early; the AbortSignal's reason carries it. */
export type StopReason = 'cancelled' | 'budget' | 'race_won' | 'shutdown' | LimitBreach;

export interface ProcessEnding {
  status: AttemptStatus;
  stopReason: AttemptStopReason | null;
  error: string | null;
}

export interface ProcessEndInput {
  result: AgentProcessResult;
  signal: AbortSignal;
  agent: string;
  timeoutSeconds: number;
  /** A limit the sandbox found broken once the agent had ended (kept by the kernel, not by a signal of ours). */
  brokenLimit?: LimitBreach | undefined;
  limits?: AttemptLimits | undefined;
}

export function classifyProcessEnd(input: ProcessEndInput): ProcessEnding {
  const { result, signal } = input;
  const stopReason = signal.aborted ? (signal.reason === 'shutdown' ? null : (signal.reason as AttemptStopReason)) : result.timedOut ? 'timeout' : (input.brokenLimit ?? null);
  const status = input.brokenLimit ? 'failed' : statusOf(result, signal);
  if (status === 'succeeded') return { status, stopReason, error: null };
  const error = signal.aborted
    ? describeStop(signal.reason as StopReason, input.limits)
    : input.brokenLimit
      ? describeStop(input.brokenLimit, input.limits)
      : (result.startError ?? withStderr(result.outcome.error, result) ?? describeExit(input));
  return { status, stopReason, error };
}

function statusOf(result: AgentProcessResult, signal: AbortSignal): AttemptStatus {
  if (result.cancelled || signal.aborted) return signal.reason === 'cancelled' || signal.reason === 'race_won' ? 'cancelled' : 'failed';
  if (result.timedOut) return 'timed_out';
  return result.exitCode === 0 && result.outcome.succeeded ? 'succeeded' : 'failed';
}

export function describeStop(reason: StopReason, limits?: AttemptLimits): string {
  switch (reason) {
    case 'cancelled':
      return 'cancelled by request';
    case 'budget':
      return 'stopped: the task budget is spent';
    case 'race_won':
      return "stopped: another attempt passed verify first and won the task's race";
    case 'disk_limit':
      return `stopped: the worktree grew past its ${limits?.worktreeMb} MB limit (limits.worktreeMb)`;
    case 'process_limit':
      return `stopped: the attempt tried to run more than ${limits?.processes} processes at once (limits.processes)`;
    case 'memory_limit':
      return `stopped: the attempt's processes used more than ${limits?.memoryMb} MB of memory (limits.memoryMb)`;
    case 'file_size_limit':
      return `stopped: a process wrote a file past the ${limits?.fileSizeMb} MB limit (limits.fileSizeMb)`;
    case 'shutdown':
      return 'stopped: the service shut down';
  }
}

function describeExit(input: ProcessEndInput): string {
  const { result } = input;
  if (result.timedOut) return `${input.agent} timed out after ${input.timeoutSeconds} s`;
  return withStderr(`${input.agent} exited with code ${result.exitCode ?? `signal ${result.signal}`}`, result)!;
}

/** The adapter's reason with what the process said last on stderr, when that adds anything. */
function withStderr(reason: string | undefined, result: AgentProcessResult): string | undefined {
  if (reason === undefined) return undefined;
  const tail = result.stderrTail.trim().split('\n').slice(-3).join(' | ');
  return tail && !reason.includes(tail) ? `${reason}: ${tail}` : reason;
}
