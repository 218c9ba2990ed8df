/**
 * What the executor needs from each agent CLI. One adapter per CLI (claude, codex, …); the
 * registry maps names to adapters. Adapters are pure: they build argv and parse output lines;
 * running the process is `agent-process.ts`.
 */
import type { AgentName } from '../model/agent-names.ts';
import type { ProcessLaunch } from './process-launch.ts';

export interface InvocationRequest {
  prompt: string;
  /** Absolute path of the attempt's worktree: the process's cwd. */
  worktree: string;
  model?: string | undefined;
  /** Extra argv from the task, appended before the prompt where the CLI allows. */
  extraArgs: string[];
  /** Remaining task budget, for CLIs that can cap themselves (Claude Code's --max-budget-usd). */
  budgetUsd?: number | undefined;
  /** `command` agent only: the argv, `{prompt}` substituted. */
  command?: string[] | undefined;
  /**
   * True when the service confines the agent itself (sandbox/): a CLI's own sandbox is then
   * replaced by the service's, since it cannot nest inside it.
   */
  confined?: boolean | undefined;
  /** Read and answer only, edit nothing (the judge): the CLI's own read-only mode. */
  readOnly?: boolean | undefined;
  /** A session of this CLI to continue (a verify-and-fix round), for adapters that `resumesSessions`. */
  resume?: string | undefined;
}

/** The agent's program: argv and what is added to the service's environment. */
export type AgentInvocation = ProcessLaunch;

/** One progress item parsed from a stdout line. */
export interface AgentProgress {
  /** Short human-readable text for the event stream (an assistant message, a tool call, …). */
  message: string;
  /** What kind of line it was: 'init', 'message', 'tool', 'usage', 'error', 'result', 'text', and for ACP agents 'plan' and 'permission'. */
  kind: string;
  /** Running total cost in USD when the CLI reports it as it goes (drives the budget check). */
  costUsd?: number | undefined;
}

/** What the run amounted to, read from the output once the process has exited. */
export interface AgentOutcome {
  succeeded: boolean;
  sessionId?: string | undefined;
  costUsd?: number | undefined;
  inputTokens?: number | undefined;
  outputTokens?: number | undefined;
  finalMessage?: string | undefined;
  /** Why it failed, when the output says so. */
  error?: string | undefined;
}

export interface ParserContext {
  /** The model the run was asked to use, for pricing tokens as they are reported. */
  model?: string | undefined;
}

export interface AgentOutputParser {
  /** Parses one stdout line; undefined for lines that carry nothing worth an event. */
  parseLine(line: string): AgentProgress | undefined;
  /** Called once after exit with the exit code (null when killed). */
  finish(exitCode: number | null): AgentOutcome;
}

export interface AgentAdapter {
  readonly name: AgentName;
  /** What people call it, e.g. "Claude Code" (the n8n nodes' agent list shows this). */
  readonly displayName: string;
  /** Binary looked up on PATH unless KAGE_<NAME>_BIN is set (undefined for `command`). */
  readonly binaryName: string | undefined;
  /** Shown when the binary is missing. */
  readonly installHint: string;
  /**
   * Flags a task's extra `args` may not pass: they would override what the service sets for
   * safety (permission mode, sandbox, approvals, working directory) or widen what the agent may touch.
   */
  readonly protectedFlags: readonly string[];
  /** A config-override flag (codex's `-c key=value`) whose safety-relevant keys are refused. */
  readonly protectedConfig?: { flags: readonly string[]; keys: RegExp };
  /** True when the CLI reports dollars; otherwise tokens are priced from the price table. */
  readonly reportsCost: boolean;
  /**
   * True when the CLI can continue an earlier session (`resume`), keeping what it did and why;
   * otherwise a later round is a new run whose prompt carries the earlier one.
   */
  readonly resumesSessions: boolean;
  invocation(request: InvocationRequest, binaryPath: string): AgentInvocation;
  /** A fresh parser per run; the context lets token-only CLIs estimate a running cost. */
  createParser(context?: ParserContext): AgentOutputParser;
}
