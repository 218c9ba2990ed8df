import type { AgentAdapter } from '../agents/agent-adapter.ts';
import { attemptTag } from '../agents/process-tag.ts';
import type { AgentRegistry } from '../agents/agent-registry.ts';
import type { AttemptChange } from '../model/attempt.ts';
import type { AttemptStatus } from '../model/statuses.ts';
import type { TaskConfig, TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore, NewEvent } from '../events/event-store.ts';
import { retryWhileUnavailable } from '../db/database-unavailable.ts';
import type { Logger } from '../logger.ts';
import type { TaskBudget } from './task-budget.ts';
import type { ChangeRecorder } from '../git/change-recorder.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';
import { prepareWorktree } from './attempt-setup.ts';
import { verifyAttempt } from './attempt-verify.ts';
import { pushEvent } from './winner-push.ts';
import { type Continuation, fixPrompt, followUpTurn, runAgentTurn } from './agent-turn.ts';
import type { Worktree, WorktreeManager } from '../git/worktree-manager.ts';
import { reclaimWorktree } from '../git/worktree-reclaim.ts';
import { taskShortId } from '../git/attempt-branch.ts';
import type { Sandbox } from '../sandbox/sandbox.ts';
import { type AttemptSandbox, FILE_SIZE_LIMIT_EXIT } from '../sandbox/attempt-sandbox.ts';
import { describeStop, classifyProcessEnd, type StopReason } from './process-ending.ts';
import { addSpending, type AttemptEnding, attemptEnding, type Spending } from './attempt-ending.ts';
import { failSpan, inSpan, setSpanFields } from '../tracing/spans.ts';
import { agentFields, ATTEMPT, TASK_ID, usageFields, WORKER } from '../tracing/span-fields.ts';

export type AttemptSpec = TaskConfig['agents'][number];

export interface AttemptRunnerDeps {
  tasks: TaskRepository;
  events: EventStore;
  agents: AgentRegistry;
  worktrees: WorktreeManager;
  changes: ChangeRecorder;
  remotes: TaskRemotes;
  /** Confines each attempt's processes (or, when off, does not). */
  sandbox: Sandbox;
  budget: TaskBudget;
  logger: Logger;
  /** This instance's name, recorded on each attempt it runs. */
  workerName: string;
  keepWorktrees: boolean;
  /** Marks this instance's processes (see process-tag.ts). */
  instanceTag: string;
}


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
  private async record(taskId: string, label: string, fields: AttemptChange, events: readonly NewEvent[] = []): Promise<void> {
    await retryWhileUnavailable(
      () =>
        this.deps.events.transaction(taskId, async (tx, recordEvents) => {
          await this.deps.tasks.attempts.update(taskId, label, fields, tx);
          await recordEvents(events);
        }),
      { onWait: (error) => this.deps.logger.warn({ err: error }, 'database unavailable: waiting to store the attempt') },
    );
  }

  /**
   * Runs the attempt and returns its ending, for the caller to record with the task's next step
   * (task-ending.ts). Stopped by `signal` with 'shutdown', it has none: its job runs it again.
   * `task.repositoryPath` is this machine's copy (for a URL task, its mirror). A `continuation`
   * runs a follow-up on what the attempt did before.
   */
  async run(task: TaskRecord, spec: AttemptSpec, signal: AbortSignal, continuation?: Continuation): Promise<AttemptEnding | undefined> {
    // Traced (tracing on) in the task's trace, on whichever instance took the attempt's job.
    const fields = { [TASK_ID]: task.id, [ATTEMPT]: spec.label, [WORKER]: this.deps.workerName, ...agentFields(spec.agent, spec.model), 'kage.attempt.follow_up': continuation !== undefined };
    return inSpan('attempt', fields, async (span) => {
      const ending = await this.attempt(task, spec, signal, continuation);
      const end = ending?.fields;
      setSpanFields(span, { 'kage.attempt.status': end?.status ?? 'interrupted', ...usageFields({ inputTokens: end?.inputTokens, outputTokens: end?.outputTokens, costUsd: end?.costUsd }) });
      if (end?.status === 'failed') failSpan(span, end.error ?? 'the attempt failed', end.stopReason ?? 'attempt_failed');
      return ending;
    });
  }

  private async attempt(task: TaskRecord, spec: AttemptSpec, signal: AbortSignal, continuation: Continuation | undefined): Promise<AttemptEnding | undefined> {
    const started = new Date();
    const adapter = this.deps.agents.get(spec.agent);
    const binary = this.deps.agents.resolveBinary(spec.agent);
    const worker = this.deps.workerName;
    await this.record(task.id, spec.label, { status: 'running', worker, startedAt: started, completedAt: null, error: null }, [
      { type: 'agent.started', agentLabel: spec.label, data: { agent: spec.agent, model: spec.model ?? null, worker } },
    ]);

    if (adapter.binaryName && !binary) {
      const error = `${adapter.binaryName} not found on PATH (or KAGE_${spec.agent.toUpperCase()}_BIN): ${adapter.installHint}`;
      return this.failed(spec, error);
    }
    if (!signal.aborted && (await this.deps.budget.isSpent(task))) return this.stopped(spec, 'budget');
    if (signal.aborted) return this.stopped(spec, signal.reason as StopReason);
    if (task.repositoryUrl) {
      // Attempts start from the remote's base commit: this machine's mirror must hold it.
      const fetchError = await this.deps.remotes.fetchCommit(task, task.baseCommit).then(
        () => undefined,
        (error: unknown) => (error as Error).message,
      );
      if (fetchError) return this.failed(spec, `could not fetch the repository: ${fetchError}`);
    }

    const worktree = await this.deps.worktrees.create({
      repoPath: task.repositoryPath,
      taskId: task.id,
      label: spec.label,
      baseCommit: continuation?.headCommit ?? task.baseCommit,
    });
    const warmStart: NewEvent[] = worktree.reused
      ? [{ type: 'agent.progress', agentLabel: spec.label, data: { kind: 'worktree', message: 'warm start: a pooled worktree of this repository, moved to the base commit' } }]
      : [];
    await this.record(task.id, spec.label, { worktreePath: worktree.path, branch: worktree.branch }, warmStart);
    let ending: AttemptEnding | undefined;
    let sandbox: AttemptSandbox | undefined;
    // The cache folders the task's setup declared: what its worktree keeps in the pool.
    let keep: string[] = [];
    let stopWatching: (() => void) | undefined;
    try {
      sandbox = await this.deps.sandbox.forAttempt({
        name: `${taskShortId(task.id)}-${spec.label}`,
        agent: spec.agent,
        worktree: worktree.path,
        // Shown where it was first made (kept venvs name that path); a later run of the attempt
        // (a follow-up) keeps its first run's path, where its CLI's session is keyed.
        insidePath: worktree.insidePath,
        keepHome: true,
        cacheKey: task.repositoryPath,
        limits: task.config.limits,
      });
      // A broken sandbox limit stops the attempt like a cancel, with its own reason.
      const limits = new AbortController();
      stopWatching = sandbox?.watch((breach) => limits.abort(breach));
      ({ ending, keep } = await this.runInWorktree(task, spec, adapter, binary ?? '', worktree, sandbox, AbortSignal.any([signal, limits.signal]), continuation));
    } catch (error) {
      this.deps.logger.error({ err: error, taskId: task.id, agent: spec.label }, 'attempt failed');
      ending = this.failed(spec, `attempt ${spec.label} of task ${task.id} failed: ${(error as Error).message}`);
    }
    stopWatching?.();
    await sandbox?.dispose();
    // The worktree goes before the end is recorded: once a task has ended, none of its worktrees is left.
    const removed = !this.deps.keepWorktrees && (await this.releaseWorktree(task, spec, worktree, keep));
    const cleared: AttemptChange = removed ? { worktreePath: null } : {};
    // Without an ending (the service is stopping) the attempt runs again from its job: no end here.
    if (ending) return { fields: { ...ending.fields, ...cleared }, events: ending.events };
    if (removed) await this.record(task.id, spec.label, cleared);
    return undefined;
  }

  /** Setup, then the agent's rounds, each committed, pushed and verified; no ending when stopped by a shutdown. */
  private async runInWorktree(
    task: TaskRecord,
    spec: AttemptSpec,
    adapter: AgentAdapter,
    binary: string,
    worktree: Worktree,
    sandbox: AttemptSandbox | undefined,
    signal: AbortSignal,
    continuation: Continuation | undefined,
  ): Promise<{ ending: AttemptEnding | undefined; keep: string[] }> {
    const setup = await this.setUp(task, spec, worktree, sandbox, signal);
    const { keep } = setup;
    if (setup.ending || (signal.aborted && signal.reason === 'shutdown')) return { ending: setup.ending, keep };
    // The attempt's time limit covers all its rounds together.
    const deadline = Date.now() + spec.timeoutSeconds * 1000;
    const maxRounds = task.config.verify?.maxRounds ?? 1;
    // A follow-up adds to what the attempt spent before, and continues its session where the CLI can.
    const spent: Spending = { costUsd: continuation?.costUsd ?? null, inputTokens: continuation?.inputTokens ?? null, outputTokens: continuation?.outputTokens ?? null };
    let turn = continuation ? followUpTurn(spec, adapter, continuation, sandbox) : { prompt: spec.prompt, resume: undefined as string | undefined };
    for (let round = 1; ; round += 1) {
      const result = await runAgentTurn(
        {
          task,
          spec,
          adapter,
          binary,
          worktree: worktree.path,
          sandbox,
          signal,
          ...turn,
          timeoutMs: Math.max(1, deadline - Date.now()),
          priorCostUsd: spent.costUsd ?? 0,
        },
        this.deps,
      );
      if (signal.aborted && signal.reason === 'shutdown') return { ending: undefined, keep };
      addSpending(spent, result, spec, adapter);
      // A limit the kernel kept (processes, memory, file size) shows after the run, not as a signal
      // of ours. Measured while the worktree is taken back and committed: neither waits for the other.
      const limitCheck = !signal.aborted && sandbox ? sandbox.breach() : undefined;
      // Awaited below; until then a failure must not count as unhandled.
      limitCheck?.catch(() => {});
      if (sandbox) {
        await reclaimWorktree({ worktree: worktree.path, gitAdminDir: worktree.gitAdminDir, branch: worktree.branch, rebuildIndex: await sandbox.wroteGitObjects() });
      }
      const changes = await this.deps.changes.commitAll({
        worktreePath: worktree.path,
        baseCommit: task.baseCommit,
        exclude: setup.copied,
        message: `${spec.label}: ${firstLine(task.description)}${round > 1 ? ` (round ${round})` : ''}\n\nKage Bunshin task ${task.id}, attempt ${spec.label} (${spec.agent}${spec.model ? `, ${spec.model}` : ''}).`,
      });
      const brokenLimit = limitCheck ? ((await limitCheck) ?? (result.exitCode === FILE_SIZE_LIMIT_EXIT ? 'file_size_limit' : undefined)) : undefined;
      let verdict = classifyProcessEnd({ result, signal, agent: spec.agent, timeoutSeconds: spec.timeoutSeconds, brokenLimit, limits: sandbox?.limits });
      if (task.pushMode === 'attempts' && changes.headCommit) {
        const push = await this.deps.remotes.pushAttemptBranch(task, worktree.branch);
        await this.record(task.id, spec.label, {}, [pushEvent(spec.label, push)]);
      }
      const verify =
        task.config.verify && verdict.status !== 'cancelled'
          ? await verifyAttempt(task, { label: spec.label, worktree: worktree.path, headCommit: changes.headCommit, round }, { sandbox, signal, instanceTag: this.deps.instanceTag })
          : undefined;
      // Another attempt won the race while this one's verify ran: stopped, like one stopped earlier.
      if (signal.aborted && signal.reason === 'race_won') verdict = { status: 'cancelled', stopReason: 'race_won', error: describeStop('race_won') };
      const fixable = verify && !verify.passed && verdict.status === 'succeeded' && !signal.aborted;
      if (fixable && round < maxRounds && Date.now() < deadline && !(await this.deps.budget.isSpent(task))) {
        await this.record(task.id, spec.label, { costUsd: spent.costUsd }, [
          { type: 'verify.completed', agentLabel: spec.label, data: { ...verify } },
          { type: 'attempt.round', agentLabel: spec.label, data: { round, passed: false, next: round + 1, headCommit: changes.headCommit } },
        ]);
        const failure = { exitCode: verify.exitCode, outputTail: verify.outputTail };
        const resume = adapter.resumesSessions ? result.outcome.sessionId : undefined;
        turn = { prompt: fixPrompt({ prompt: spec.prompt, verify: task.config.verify!.command }, failure, resume !== undefined), resume };
        continue;
      }
      return { ending: attemptEnding(spec, { result, verdict, changes, verify, spent }), keep };
    }
  }

  /** Copies local files in and runs the setup command (attempt-setup.ts), told as `attempt.setup`. */
  private async setUp(
    task: TaskRecord,
    spec: AttemptSpec,
    worktree: Worktree,
    sandbox: AttemptSandbox | undefined,
    signal: AbortSignal,
  ): Promise<{ copied: string[]; keep: string[]; ending?: AttemptEnding }> {
    const prepared = await prepareWorktree(task, spec.label, worktree.path, {
      signal,
      processTag: attemptTag(task.id, spec.label, this.deps.instanceTag),
      confinement: sandbox,
    });
    if (!prepared) return { copied: [], keep: [] };
    await this.record(task.id, spec.label, {}, [prepared.event]);
    if (!prepared.error) return { copied: prepared.copied, keep: prepared.keep };
    return { copied: prepared.copied, keep: prepared.keep, ending: this.failed(spec, prepared.error) };
  }

  /** Into the pool (cleaned, keeping `keep`) or removed: either way no longer the task's. */
  private async releaseWorktree(task: TaskRecord, spec: AttemptSpec, worktree: Worktree, keep: readonly string[]): Promise<boolean> {
    try {
      await this.deps.worktrees.release(worktree, keep);
      await this.deps.worktrees.removeTaskFolder(task.id);
      return true;
    } catch (error) {
      this.deps.logger.warn({ err: error, taskId: task.id, agent: spec.label, worktree: worktree.path }, 'could not release worktree');
      return false;
    }
  }

  private failed(spec: AttemptSpec, error: string): AttemptEnding {
    return { fields: { status: 'failed', error, completedAt: new Date() }, events: [{ type: 'agent.failed', agentLabel: spec.label, data: { status: 'failed', error } }] };
  }

  private stopped(spec: AttemptSpec, reason: StopReason): AttemptEnding | undefined {
    if (reason === 'shutdown') return undefined;
    const status: AttemptStatus = reason === 'cancelled' || reason === 'race_won' ? 'cancelled' : 'failed';
    const error = describeStop(reason);
    return { fields: { status, error, stopReason: reason, completedAt: new Date() }, events: [{ type: 'agent.failed', agentLabel: spec.label, data: { status, error, stopReason: reason } }] };
  }
}

/** The task description's first line, short enough for a commit's subject. */
function firstLine(text: string): string {
  const line = text.trim().split('\n')[0] ?? '';
  return line.length > 72 ? `${line.slice(0, 69)}...` : line;
}
