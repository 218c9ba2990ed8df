/**
 * What an attempt's rounds add up to, and its end as stored: the row's fields and the events
 * that announce it, from the last round.
 */
import type { AgentAdapter } from '../agents/agent-adapter.ts';
import type { AgentProcessResult } from '../agents/agent-process.ts';
import { runCost } from '../agents/price-table.ts';
import type { AttemptChange } from '../model/attempt.ts';
import type { TaskConfig } from '../model/task.ts';
import type { NewEvent } from '../events/event-store.ts';
import type { RecordedChanges } from '../git/change-recorder.ts';
import type { ProcessEnding } from './process-ending.ts';
import type { ProjectCommandResult } from './project-command.ts';

type AttemptSpec = TaskConfig['agents'][number];

/** An attempt's end: what its row becomes and the events that announce it. */
export interface AttemptEnding {
  fields: AttemptChange;
  events: NewEvent[];
}

export interface Spending {
  costUsd: number | null;
  inputTokens: number | null;
  outputTokens: number | null;
}

/** Adds one round's cost and tokens to the attempt's (unknown stays unknown until a round reports it). */
export function addSpending(spent: Spending, result: AgentProcessResult, spec: AttemptSpec, adapter: AgentAdapter): void {
  const { outcome } = result;
  const cost = runCost({ agent: spec.agent, model: spec.model, reportsCost: adapter.reportsCost }, outcome);
  const add = (total: number | null, value: number | null | undefined) => (value === null || value === undefined ? total : (total ?? 0) + value);
  spent.costUsd = add(spent.costUsd, cost);
  spent.inputTokens = add(spent.inputTokens, outcome.inputTokens);
  spent.outputTokens = add(spent.outputTokens, outcome.outputTokens);
}

/** The attempt's end from its last round: the row's fields and the events that announce it. */
export function attemptEnding(
  spec: AttemptSpec,
  last: { result: AgentProcessResult; verdict: ProcessEnding; changes: RecordedChanges; verify: (ProjectCommandResult & { round: number }) | undefined; spent: Spending },
): AttemptEnding {
  const { result, verdict, changes, verify, spent } = last;
  const { status, stopReason, error } = verdict;
  const fields: AttemptChange = {
    status,
    exitCode: result.exitCode,
    costUsd: spent.costUsd,
    inputTokens: spent.inputTokens,
    outputTokens: spent.outputTokens,
    sessionId: result.outcome.sessionId ?? null,
    finalMessage: result.outcome.finalMessage ?? null,
    filesChanged: changes.filesChanged,
    insertions: changes.insertions,
    deletions: changes.deletions,
    headCommit: changes.headCommit,
    stderrTail: result.stderrTail,
    stopReason,
    followUp: null,
    verify: verify ? { ...verify } : null,
    error,
    completedAt: new Date(),
  };
  const endEvent: NewEvent = {
    type: status === 'succeeded' ? 'agent.completed' : 'agent.failed',
    agentLabel: spec.label,
    data: {
      status,
      exitCode: result.exitCode,
      costUsd: spent.costUsd,
      filesChanged: changes.filesChanged,
      insertions: changes.insertions,
      deletions: changes.deletions,
      headCommit: changes.headCommit,
      finalMessage: result.outcome.finalMessage ?? null,
      error,
      stopReason,
    },
  };
  const verifyEvents: NewEvent[] = verify ? [{ type: 'verify.completed', agentLabel: spec.label, data: { ...verify } }] : [];
  return { fields, events: [...verifyEvents, endEvent] };
}
