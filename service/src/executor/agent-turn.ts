/**
 * One run of an attempt's agent (a round): the CLI started in the worktree, every progress line
 * stored as an event in batches, its running cost recorded against the task's budget.
 */
import type { AgentAdapter } from '../agents/agent-adapter.ts';
import { type AgentProcessResult, runAgentProcess } from '../agents/agent-process.ts';
import { attemptTag } from '../agents/process-tag.ts';
import type { TaskConfig, TaskRecord } from '../model/task.ts';
import type { EventStore } from '../events/event-store.ts';
import type { AttemptSandbox } from '../sandbox/attempt-sandbox.ts';
import { ProgressBatcher } from './progress-batcher.ts';
import type { TaskBudget } from './task-budget.ts';
import { failSpan, inSpan, setSpanFields } from '../tracing/spans.ts';
import { agentFields, ATTEMPT, processFields, TASK_ID, usageFields } from '../tracing/span-fields.ts';

export interface AgentTurn {
  task: TaskRecord;
  spec: TaskConfig['agents'][number];
  adapter: AgentAdapter;
  binary: string;
  worktree: string;
  sandbox: AttemptSandbox | undefined;
  signal: AbortSignal;
  prompt: string;
  /** The session to continue (an earlier round's), when the CLI resumes sessions. */
  resume: string | undefined;
  timeoutMs: number;
  /** What the attempt's earlier rounds cost: this round's running cost is added to it. */
  priorCostUsd: number;
}

/**
 * A round of the agent, traced (tracing on) as the GenAI conventions' `invoke_agent` span: the
 * agent and its model, then the tokens and cost it reported, its exit code, and why it failed.
 */
export async function runAgentTurn(turn: AgentTurn, deps: { events: EventStore; budget: TaskBudget; instanceTag: string }): Promise<AgentProcessResult> {
  const { task, spec } = turn;
  return inSpan(`invoke_agent ${spec.agent}`, { [TASK_ID]: task.id, [ATTEMPT]: spec.label, ...agentFields(spec.agent, spec.model), 'gen_ai.conversation.id': turn.resume }, async (span) => {
    const result = await agentTurn(turn, deps);
    const { outcome } = result;
    setSpanFields(span, { ...usageFields(outcome), ...processFields(turn.binary || spec.command?.[0], result.exitCode), 'gen_ai.conversation.id': outcome.sessionId });
    if (!outcome.succeeded || result.startError) {
      const why = result.timedOut ? 'timeout' : result.cancelled ? 'cancelled' : result.startError ? 'not_started' : 'agent_failed';
      failSpan(span, result.startError ?? outcome.error ?? `the agent ended with exit code ${result.exitCode ?? 'none'}`, why);
    }
    return result;
  });
}

async function agentTurn(turn: AgentTurn, deps: { events: EventStore; budget: TaskBudget; instanceTag: string }): Promise<AgentProcessResult> {
  const { task, spec, adapter } = turn;
  const invocation = adapter.invocation(
    {
      prompt: turn.prompt,
      // Where the agent's processes see the worktree (the sandbox shows it at the attempt's own path).
      worktree: turn.sandbox?.insidePath ?? turn.worktree,
      model: spec.model,
      extraArgs: spec.args,
      budgetUsd: await deps.budget.remainingUsd(task),
      command: spec.command,
      confined: turn.sandbox !== undefined,
      resume: turn.resume,
    },
    turn.binary,
  );
  // Lines are stored in batches while the agent keeps printing: one transaction per line
  // capped a task at about a thousand events per second.
  const progressEvents = new ProgressBatcher(deps.events, task.id);
  const running = runAgentProcess({
    invocation,
    cwd: turn.worktree,
    parser: adapter.createParser({ model: spec.model }),
    timeoutMs: turn.timeoutMs,
    signal: turn.signal,
    processTag: attemptTag(task.id, spec.label, deps.instanceTag),
    confinement: turn.sandbox,
    network: spec.network !== 'none',
    onProgress: async (progress) => {
      if (progress.costUsd !== undefined) await deps.budget.record(task, spec.label, turn.priorCostUsd + progress.costUsd);
      await progressEvents.add({
        type: 'agent.progress',
        agentLabel: spec.label,
        data: { kind: progress.kind, message: progress.message, ...(progress.costUsd !== undefined ? { costUsd: progress.costUsd } : {}) },
      });
    },
  });
  // Lines still queued are stored before the attempt's end event either way.
  const result = await running.catch(async (error: unknown) => {
    await progressEvents.flush().catch(() => undefined);
    throw error;
  });
  if (result.linesCut > 0) {
    await progressEvents.add({
      type: 'agent.progress',
      agentLabel: spec.label,
      data: { kind: 'notice', message: `output cut: ${result.linesCut} more lines past the attempt's output bound were not stored` },
    });
  }
  await progressEvents.flush();
  return result;
}

/**
 * The prompt of a verify-and-fix round: what failed. A resumed session already holds the task;
 * a new run gets the task again, then the failure.
 */
export function fixPrompt(task: { prompt: string; verify: string[] }, failure: { exitCode: number | null; outputTail: string }, resumed: boolean): string {
  const report = [
    `The verify command \`${task.verify.join(' ')}\` failed (exit code ${failure.exitCode ?? 'none'}) after your change. The end of its output:`,
    '',
    '```',
    failure.outputTail.trim(),
    '```',
    '',
    'Fix the code so that the verify command passes.',
  ].join('\n');
  return resumed ? report : `${task.prompt}\n\n${report}`;
}

/** A follow-up's prompt: the task, then the follow-up, on the work already in the worktree. */
export function followUpPrompt(original: string, followUp: string): string {
  return `${original}\n\nYour earlier change to this task is in the worktree. Follow-up: ${followUp}`;
}

/** A finished attempt continued with a follow-up prompt: where it left off. */
export interface Continuation {
  prompt: string;
  /** The branch's head: the new worktree starts there. */
  headCommit: string;
  sessionId: string | null;
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

/**
 * A follow-up continues the attempt's session where the CLI resumes one and the sandbox kept the
 * HOME it lives in (sessions are keyed by the worktree's inside path, the same on every run);
 * otherwise it is a new session told the task and the follow-up.
 */
export function followUpTurn(spec: { prompt: string }, adapter: AgentAdapter, continuation: Continuation, sandbox: AttemptSandbox | undefined): { prompt: string; resume: string | undefined } {
  const resume = adapter.resumesSessions && sandbox?.keptHome ? (continuation.sessionId ?? undefined) : undefined;
  return { prompt: resume ? continuation.prompt : followUpPrompt(spec.prompt, continuation.prompt), resume };
}
