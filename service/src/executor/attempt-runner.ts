import type { AgentAdapter } from '../agents/agent-adapter.ts';
import { runAgentProcess } from '../agents/agent-process.ts';
import { attemptTag } from '../agents/process-tag.ts';
import type { AgentRegistry } from '../agents/agent-registry.ts';
import { priceTokens } from '../agents/price-table.ts';
import type { AgentRunChange, AgentRunStatus, TaskConfig, TaskRecord, TaskRepository } from '../db/task-repository.ts';
import type { EventStore, NewEvent } from '../events/event-store.ts';
import { retryWhileUnavailable } from '../db/database-unavailable.ts';
import type { Logger } from '../logger.ts';
import type { BudgetTracker } from './budget-tracker.ts';
import type { ChangeRecorder } from '../git/change-recorder.ts';
import type { PushOutcome, TaskRemotes } from '../credentials/task-remotes.ts';
import { ProgressBatcher } from './progress-batcher.ts';
import { runVerify, type VerifyResult } from './verify-runner.ts';
import type { WorktreeManager } from '../git/worktree-manager.ts';

export type AttemptSpec = TaskConfig['agents'][number];

export interface AttemptResult {
  label: string;
  position: number;
  status: AgentRunStatus;
  costUsd: number | null;
  filesChanged: number;
  insertions: number;
  deletions: number;
  durationMs: number;
  verify: VerifyResult | undefined;
}

export interface AttemptRunnerDeps {
  tasks: TaskRepository;
  events: EventStore;
  agents: AgentRegistry;
  worktrees: WorktreeManager;
  changes: ChangeRecorder;
  remotes: TaskRemotes;
  logger: Logger;
  keepWorktrees: boolean;
  /** Marks this instance's processes (see process-tag.ts). */
  instanceTag: string;
}

/** Why an attempt's processes were stopped early; the AbortSignal's reason carries it. */
export type StopReason = 'cancelled' | 'budget' | 'shutdown';

/**
 * One attempt, start to end: worktree, agent process (every stdout line an event), commit of
 * what it changed, verify, and the agent_runs row kept up to date throughout.
 */
export class AttemptRunner {
  private readonly deps: AttemptRunnerDeps;

  constructor(deps: AttemptRunnerDeps) {
    this.deps = deps;
  }

  /**
   * Stores a change of the attempt's row together with its events, in one transaction: a crash
   * leaves neither a state without its event nor the reverse. Retried while the database is
   * unavailable (the agent runs on meanwhile).
   */
  private record(taskId: string, label: string, fields: AgentRunChange, events: readonly NewEvent[] = []): Promise<void> {
    return retryWhileUnavailable(
      () =>
        this.deps.events.transaction(taskId, async (tx, recordEvents) => {
          await this.deps.tasks.updateAgentRun(taskId, label, fields, tx);
          await recordEvents(events);
        }),
      { onWait: (error) => this.deps.logger.warn({ err: error }, 'database unavailable: waiting to store the attempt') },
    );
  }

  async run(task: TaskRecord, spec: AttemptSpec, position: number, budget: BudgetTracker, signal: AbortSignal): Promise<AttemptResult> {
    const started = new Date();
    const base: AttemptResult = { label: spec.label, position, status: 'failed', costUsd: null, filesChanged: 0, insertions: 0, deletions: 0, durationMs: 0, verify: undefined };
    const adapter = this.deps.agents.get(spec.agent);
    const binary = this.deps.agents.resolveBinary(spec.agent);
    await this.record(task.id, spec.label, { status: 'running', startedAt: started, completedAt: null, error: null }, [
      { type: 'agent.started', agentLabel: spec.label, data: { agent: spec.agent, model: spec.model ?? null } },
    ]);

    if (adapter.binaryName && !binary) {
      const error = `${adapter.binaryName} not found on PATH (or KAGE_${spec.agent.toUpperCase()}_BIN): ${adapter.installHint}`;
      return this.fail(task.id, spec, base, started, error);
    }
    if (signal.aborted) return this.stopped(task.id, spec, base, started, signal.reason as StopReason);

    const worktree = await this.deps.worktrees.create({ repoPath: task.repositoryPath, taskId: task.id, label: spec.label, baseCommit: task.baseCommit });
    await this.record(task.id, spec.label, { worktreePath: worktree.path, branch: worktree.branch });
    try {
      const result = await this.runAgent(task, spec, adapter, binary ?? '', worktree.path, budget, signal);
      // The service is stopping: the task runs again from the start elsewhere or after a restart,
      // so this attempt gets no end of its own (no agent.failed for an attempt that then succeeds).
      if (signal.aborted && signal.reason === 'shutdown') return base;
      const changes = await this.deps.changes.commitAll({
        worktreePath: worktree.path,
        baseCommit: task.baseCommit,
        message: `${spec.label}: ${firstLine(task.description)}\n\nKage Bunshin task ${task.id}, attempt ${spec.label} (${spec.agent}${spec.model ? `, ${spec.model}` : ''}).`,
      });
      const status = attemptStatus(result, signal);
      if (task.pushMode === 'attempts' && changes.headCommit) {
        const push = await this.deps.remotes.pushAttemptBranch(task, worktree.branch);
        await this.record(task.id, spec.label, {}, [pushEvent(spec.label, push)]);
      }
      const verify =
        task.config.verify && status !== 'cancelled'
          ? await runVerify(task.config.verify.command, worktree.path, {
              timeoutSeconds: task.config.verify.timeoutSeconds,
              signal,
              processTag: attemptTag(task.id, spec.label, this.deps.instanceTag),
            })
          : undefined;
      const completed = new Date();
      const costUsd = result.outcome.costUsd ?? (adapter.reportsCost ? null : priceTokens(spec.agent, spec.model, result.outcome.inputTokens, result.outcome.outputTokens));
      const error =
        status === 'succeeded' ? null : (stopMessage(signal) ?? result.startError ?? withStderr(result.outcome.error, result) ?? describeExit(result, spec));
      const verifyEvents: NewEvent[] = verify ? [{ type: 'verify.completed', agentLabel: spec.label, data: { ...verify } }] : [];
      const end: AgentRunChange = {
        status,
        exitCode: result.exitCode,
        costUsd,
        inputTokens: result.outcome.inputTokens ?? null,
        outputTokens: result.outcome.outputTokens ?? null,
        sessionId: result.outcome.sessionId ?? null,
        finalMessage: result.outcome.finalMessage ?? null,
        filesChanged: changes.filesChanged,
        insertions: changes.insertions,
        deletions: changes.deletions,
        headCommit: changes.headCommit,
        stderrTail: result.stderrTail,
        verify: verify ? { ...verify } : null,
        error,
        completedAt: completed,
      };
      const endEvent: NewEvent = {
        type: status === 'succeeded' ? 'agent.completed' : 'agent.failed',
        agentLabel: spec.label,
        data: {
          status,
          exitCode: result.exitCode,
          costUsd,
          filesChanged: changes.filesChanged,
          insertions: changes.insertions,
          deletions: changes.deletions,
          headCommit: changes.headCommit,
          finalMessage: result.outcome.finalMessage ?? null,
          error,
        },
      };
      await this.record(task.id, spec.label, end, [...verifyEvents, endEvent]);
      return {
        ...base,
        status,
        costUsd,
        filesChanged: changes.filesChanged.length,
        insertions: changes.insertions,
        deletions: changes.deletions,
        durationMs: completed.getTime() - started.getTime(),
        verify,
      };
    } catch (error) {
      this.deps.logger.error({ err: error, taskId: task.id, agent: spec.label }, 'attempt failed');
      return await this.fail(task.id, spec, base, started, `attempt ${spec.label} of task ${task.id} failed: ${(error as Error).message}`);
    } finally {
      if (!this.deps.keepWorktrees) {
        await this.deps.worktrees.remove(task.repositoryPath, worktree.path).catch((error: unknown) =>
          this.deps.logger.warn({ err: error, taskId: task.id, worktree: worktree.path }, 'could not remove worktree'),
        );
        await this.record(task.id, spec.label, { worktreePath: null }).catch((error: unknown) =>
          this.deps.logger.warn({ err: error, taskId: task.id, agent: spec.label }, 'could not record the removed worktree'),
        );
      }
    }
  }

  private async runAgent(task: TaskRecord, spec: AttemptSpec, adapter: AgentAdapter, binary: string, worktree: string, budget: BudgetTracker, signal: AbortSignal) {
    const invocation = adapter.invocation(
      { prompt: spec.prompt, worktree, model: spec.model, extraArgs: spec.args, budgetUsd: budget.remainingUsd(), command: spec.command },
      binary,
    );
    // Lines are stored in batches while the agent keeps printing: one transaction per line
    // capped a task at about a thousand events per second.
    const progressEvents = new ProgressBatcher(this.deps.events, task.id);
    const running = runAgentProcess({
      invocation,
      cwd: worktree,
      parser: adapter.createParser({ model: spec.model }),
      timeoutMs: spec.timeoutSeconds * 1000,
      signal,
      processTag: attemptTag(task.id, spec.label, this.deps.instanceTag),
      onProgress: async (progress) => {
        if (progress.costUsd !== undefined) budget.record(spec.label, progress.costUsd);
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

  private async fail(taskId: string, spec: AttemptSpec, base: AttemptResult, started: Date, error: string): Promise<AttemptResult> {
    const completed = new Date();
    await this.record(taskId, spec.label, { status: 'failed', error, completedAt: completed }, [
      { type: 'agent.failed', agentLabel: spec.label, data: { status: 'failed', error } },
    ]);
    return { ...base, status: 'failed', durationMs: completed.getTime() - started.getTime() };
  }

  private async stopped(taskId: string, spec: AttemptSpec, base: AttemptResult, started: Date, reason: StopReason): Promise<AttemptResult> {
    if (reason === 'shutdown') return base;
    const status: AgentRunStatus = reason === 'cancelled' ? 'cancelled' : 'failed';
    const error = describeStop(reason);
    const completed = new Date();
    await this.record(taskId, spec.label, { status, error, completedAt: completed }, [{ type: 'agent.failed', agentLabel: spec.label, data: { status, error } }]);
    return { ...base, status, durationMs: completed.getTime() - started.getTime() };
  }
}

/** How a push of an attempt's branch went, told in the attempt's progress. */
export function pushEvent(label: string, push: PushOutcome): NewEvent {
  return { type: 'agent.progress', agentLabel: label, data: { kind: push.pushed ? 'notice' : 'error', message: push.message } };
}

type ProcessResult = Awaited<ReturnType<typeof runAgentProcess>>;

function attemptStatus(result: ProcessResult, signal: AbortSignal): AgentRunStatus {
  if (result.cancelled || signal.aborted) return signal.reason === 'cancelled' ? 'cancelled' : 'failed';
  if (result.timedOut) return 'timed_out';
  return result.exitCode === 0 && result.outcome.succeeded ? 'succeeded' : 'failed';
}

function stopMessage(signal: AbortSignal): string | undefined {
  return signal.aborted ? describeStop(signal.reason as StopReason) : undefined;
}

function describeStop(reason: StopReason): string {
  if (reason === 'cancelled') return 'cancelled by request';
  if (reason === 'budget') return 'stopped: the task budget is spent';
  return 'stopped: the service shut down';
}

function describeExit(result: ProcessResult, spec: AttemptSpec): string {
  if (result.timedOut) return `${spec.agent} timed out after ${spec.timeoutSeconds} s`;
  return withStderr(`${spec.agent} exited with code ${result.exitCode ?? `signal ${result.signal}`}`, result)!;
}

/** The adapter's reason with what the process said last on stderr, when that adds anything. */
function withStderr(reason: string | undefined, result: ProcessResult): string | undefined {
  if (reason === undefined) return undefined;
  const tail = result.stderrTail.trim().split('\n').slice(-3).join(' | ');
  return tail && !reason.includes(tail) ? `${reason}: ${tail}` : reason;
}

function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 72 ? `${line.slice(0, 69)}...` : line;
}
