import { TaskStats } from '../db/task-stats.ts';
import { createHash, randomUUID } from 'node:crypto';
import { type AgentName, agentNames } from '../model/agent-names.ts';
import { checkAgentAllowed, checkAgentRequests, serviceLimit } from '../agents/agent-policy.ts';
import type { Db } from '../db/db.ts';
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskConfig, TaskRecord, TaskStrategy } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import { CANCEL_CHANNEL, SHARED_ATTEMPT_QUEUE, type TaskQueue } from '../queue/task-queue.ts';
import type { WebhookTargets } from '../webhooks/webhook-targets.ts';
import type { RepositoryValidator } from './repository-validator.ts';
import type { AgentRequest, TaskSubmission } from './task-submission.ts';
import { attemptBranch } from '../git/attempt-branch.ts';
import { Refusal } from '../refusal.ts';
import { assignLabels } from './attempt-labels.ts';
import { checkRepositoryCommands, checkSubmitterAgents, checkSubmitterCommands, type Submitter } from './submitter-limits.ts';
import { IdempotencyKeyReusedError, TaskEndedError, TaskNotFoundError } from './task-errors.ts';
import { isFinishedTask } from '../model/statuses.ts';
import { readsAllTasks } from '../access/scopes.ts';
import { AgentHistory } from '../db/agent-history.ts';
import { chooseAgents, seedOf, type Selection } from './agent-choice.ts';
import { keepTaskTrace } from '../db/task-traces.ts';
import { inSpan } from '../tracing/spans.ts';
import { currentTraceparent } from '../tracing/trace-context.ts';
import { DB_FIELDS, TASK_ID } from '../tracing/span-fields.ts';

export interface TaskWithRuns {
  task: TaskRecord;
  runs: AttemptRecord[];
}

/**
 * Task lifecycle operations the API offers: submit (store + enqueue atomically), read, cancel.
 * Running a task is the executor's job.
 */
export class TaskService {
  private readonly db: Db;
  private readonly tasks: TaskRepository;
  private readonly events: EventStore;
  private readonly queue: TaskQueue;
  private readonly repositories: RepositoryValidator;
  private readonly webhookTargets: WebhookTargets;
  private readonly allowedAgents: readonly AgentName[];
  private readonly localAttemptQueue: string;
  private readonly sandboxed: boolean;
  private readonly history: AgentHistory;
  private readonly figures: TaskStats;

  constructor(deps: {
    db: Db;
    tasks: TaskRepository;
    events: EventStore;
    queue: TaskQueue;
    repositories: RepositoryValidator;
    webhookTargets: WebhookTargets;
    allowedAgents?: readonly AgentName[];
    /** Where the attempts of local-path tasks accepted here go: this host's queue. */
    localAttemptQueue: string;
    /** Whether attempts run in the sandbox (which `network: "none"` needs). */
    sandboxed?: boolean;
  }) {
    this.sandboxed = deps.sandboxed ?? false;
    this.localAttemptQueue = deps.localAttemptQueue;
    this.allowedAgents = deps.allowedAgents ?? agentNames;
    this.db = deps.db;
    this.history = new AgentHistory(deps.db);
    this.figures = new TaskStats(deps.db);
    this.tasks = deps.tasks;
    this.events = deps.events;
    this.queue = deps.queue;
    this.repositories = deps.repositories;
    this.webhookTargets = deps.webhookTargets;
  }

  /** Returns the task and whether it was created now (false: an earlier submission with the same Idempotency-Key). */
  async submit(submission: TaskSubmission, submitter: Submitter, idempotencyKey: string | undefined): Promise<TaskWithRuns & { created: boolean }> {
    const apiKeyId = submitter.keyId;
    const requestHash = createHash('sha256').update(JSON.stringify(submission)).digest('hex');
    // A cascade's tiers are its attempts, one after another: every check below sees them all.
    const { strategy, tierOf, body } = withTiersFlattened(submission);
    if (idempotencyKey) {
      const existing = await this.tasks.findByIdempotencyKey(apiKeyId, idempotencyKey);
      if (existing) return { ...(await this.replay(existing, requestHash)), created: false };
    }
    checkAgentRequests(body.agents, this.allowedAgents);
    checkSubmitterAgents(submitter, body.agents.map((agent) => agent.agent), body.judge?.agent);
    if (body.judge) checkAgentAllowed('judge.agent', body.judge.agent, this.allowedAgents, serviceLimit);
    for (const callback of body.callbacks) this.webhookTargets.validate(callback);
    if (body.setup?.copy?.length && body.repository.url !== undefined) {
      throw new Refusal('invalid', 'copy_needs_local_repository', 'setup.copy takes files from a local checkout: it needs a repository given by path', { field: 'setup.copy' });
    }
    if (!this.sandboxed) refuseNetworkNone(body);
    // Every limit of the key that the request alone decides comes before any file, git or network access.
    const commands = checkSubmitterCommands(submitter, { ...body, repositoryUrl: body.repository.url });
    const repository = await this.repositories.resolve(body.repository, { name: submitter.name, roots: submitter.repositoryRoots });
    if (commands) await checkRepositoryCommands(submitter, commands, repository);
    const id = randomUUID();
    const { agents, selection } = await this.pickAgents(id, submission, body.agents, repository.path, submitter);
    body.agents = agents;
    const labels = assignLabels(body.agents.map((agent) => agent.agent));
    const config: TaskConfig = {
      agents: body.agents.map((agent, index) => ({
        label: labels[index]!,
        agent: agent.agent,
        model: agent.model,
        prompt: agent.prompt ?? body.description,
        timeoutSeconds: agent.timeoutSeconds,
        args: agent.args,
        command: agent.command,
        network: agent.network,
        ...(strategy === 'cascade' ? { tier: tierOf[index] } : {}),
      })),
      ...(strategy === 'all' ? {} : { strategy }),
      ...(selection ? { selection: selection as unknown as Record<string, unknown> } : {}),
      verify: body.verify,
      setup: body.setup,
      limits: body.limits,
      judge: body.judge,
      budgetUsd: body.budgetUsd,
      requestHash,
    };
    // The task's span (tracing on): its attempts, verify, judge, merge and webhooks hang under it.
    const taskFields = { [TASK_ID]: id, 'kage.task.strategy': strategy, 'kage.task.attempts': labels.length, ...DB_FIELDS };
    const stored = await inSpan('task', taskFields, () =>
      this.events.transaction(id, async (tx, record) => {
        const task = await this.tasks.insert(tx, {
          id,
          description: body.description,
          repositoryPath: repository.path,
          repositoryUrl: repository.url,
          credentialName: repository.credentialName,
          pushMode: repository.url ? (body.push ?? 'attempts') : 'none',
          attemptQueue: repository.url ? SHARED_ATTEMPT_QUEUE : this.localAttemptQueue,
          baseRef: repository.baseRef,
          baseCommit: repository.baseCommit,
          config,
          idempotencyKey: idempotencyKey ?? null,
          apiKeyId,
          branches: Object.fromEntries(labels.map((label) => [label, attemptBranch(id, label)])),
        });
        if (!task) return undefined;
        // Stored before the first event, so the callbacks see every event from task.queued on.
        for (const callback of body.callbacks) await this.webhookTargets.insertCallback(tx, id, callback);
        await record([{ type: 'task.queued', data: { agents: labels, baseCommit: repository.baseCommit } }]);
        await keepTaskTrace(tx, id, currentTraceparent());
        await this.queue.enqueue(tx, id);
        return task;
      }),
    );
    if (!stored) {
      // Lost a race with a concurrent submission carrying the same key.
      const existing = await this.tasks.findByIdempotencyKey(apiKeyId, idempotencyKey!);
      return { ...(await this.replay(existing!, requestHash)), created: false };
    }
    return { ...(await this.get(id)), created: true };
  }

  async get(id: string): Promise<TaskWithRuns> {
    const task = await this.tasks.get(id);
    if (!task) throw new TaskNotFoundError(id);
    const runs = (await this.tasks.attempts.ofTasks([id])).get(id) ?? [];
    return { task, runs };
  }

  async list(filter: { status?: TaskRecord['status'] | undefined; createdBy?: string | undefined; page: number; pageSize: number }) {
    const { tasks, total } = await this.tasks.list({
      status: filter.status,
      createdBy: filter.createdBy,
      limit: filter.pageSize,
      offset: (filter.page - 1) * filter.pageSize,
    });
    const runs = await this.tasks.attempts.ofTasks(tasks.map((task) => task.id));
    return { items: tasks.map((task) => ({ task, runs: runs.get(task.id) ?? [] })), total };
  }

  async stats() {
    const stats = await this.figures.read();
    return { ...stats, total: Object.values(stats.byStatus).reduce((sum, count) => sum + count, 0) };
  }

  /**
   * Asks for cancellation. A pending task ends at once; a running one is stopped by the worker
   * that runs it (woken through NOTIFY). Cancelling an ended task is a 409.
   */
  async cancel(id: string): Promise<TaskWithRuns> {
    const current = await this.tasks.get(id);
    if (!current) throw new TaskNotFoundError(id);
    if (isFinishedTask(current.status)) {
      throw new TaskEndedError(id, current.status);
    }
    const cancelledNow = await this.events.transaction(id, async (tx, record) => {
      const before = await this.tasks.get(id, tx);
      const task = await this.tasks.requestCancel(tx, id);
      if (before?.status !== 'pending' || task?.status !== 'cancelled') return false;
      await this.tasks.attempts.cancelPending(tx, id);
      await record([{ type: 'task.cancelled', data: { reason: 'cancelled before it started' } }]);
      return true;
    });
    if (!cancelledNow) await this.db.notify(CANCEL_CHANNEL, id);
    return this.get(id);
  }

  /**
   * With `pick`, `count` of the candidates chosen from this repository's history (agent-choice.ts):
   * every candidate passed the checks above, so whichever are picked may run. A key without
   * tasks:read-all learns only from its own tasks, as its stats do.
   */
  private async pickAgents(id: string, submission: TaskSubmission, agents: AgentRequest[], repositoryPath: string, submitter: Submitter): Promise<{ agents: AgentRequest[]; selection?: Selection }> {
    const pick = submission.pick;
    if (!pick) return { agents };
    const history = await this.history.byAgent({ repository: repositoryPath, createdBy: readsAllTasks(submitter) ? undefined : submitter.keyId });
    const selection = chooseAgents(pick.candidates, pick.count, history, pick.seed ?? seedOf(id));
    return { agents: pick.candidates.filter((_, index) => selection.candidates[index]!.picked), selection };
  }

  private async replay(existing: TaskRecord, requestHash: string): Promise<TaskWithRuns> {
    if (existing.config.requestHash !== requestHash) {
      throw new IdempotencyKeyReusedError(existing.id);
    }
    return this.get(existing.id);
  }
}

/** The submission with `agents` always set (a cascade's tiers in order), and each attempt's tier. */
function withTiersFlattened(submission: TaskSubmission): { strategy: TaskStrategy; tierOf: number[]; body: TaskSubmission & { agents: AgentRequest[] } } {
  const strategy = submission.strategy ?? 'all';
  // pick's candidates all go through the checks; the choice among them comes once the repository is known.
  const tiers = strategy === 'cascade' ? (submission.tiers ?? []) : [submission.agents ?? submission.pick?.candidates ?? []];
  if (strategy !== 'all' && !submission.verify) {
    throw new Refusal('invalid', 'strategy_needs_verify', `strategy ${strategy} needs verify: it stops at the first attempt that passes the verify command, and without one there is no gate to stop at`, { field: 'verify' });
  }
  const agents = tiers.flat();
  if (agents.length === 0) throw new Refusal('invalid', 'no_agents', strategy === 'cascade' ? 'a cascade needs tiers of agents' : 'agents is required', { field: strategy === 'cascade' ? 'tiers' : 'agents' });
  const tierOf = tiers.flatMap((tier, index) => tier.map(() => index + 1));
  return { strategy, tierOf, body: { ...submission, agents } };
}

/** `network: "none"` is kept by the sandbox's network namespace; without it, the task is refused rather than run with network. */
function refuseNetworkNone(body: TaskSubmission & { agents: AgentRequest[] }): void {
  const field = body.verify?.network === 'none' ? 'verify.network' : body.agents.findIndex((agent) => agent.network === 'none');
  if (field === -1) return;
  const name = typeof field === 'string' ? field : `agents.${field}.network`;
  throw new Refusal('invalid', 'network_needs_sandbox', `${name} "none" needs the sandbox, and this service runs with it off (KAGE_SANDBOX=off, or bubblewrap is not installed)`, { field: name });
}
