/**
 * One attempt job, on whichever instance took it: skips an attempt that has ended (a job run
 * twice), starts over one that was interrupted (its instance was killed: the job came back),
 * and runs it on this machine's copy of the repository.
 */
import { killTagged, taskTagPrefix } from '../agents/process-tag.ts';
import type { TaskRemotes } from '../credentials/task-remotes.ts';
import type { AttemptRecord } from '../model/attempt.ts';
import type { TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import { branchHead } from '../git/repository.ts';
import type { WorktreeManager } from '../git/worktree-manager.ts';
import type { Logger } from '../logger.ts';
import type { AttemptJob } from '../queue/task-queue.ts';
import type { Continuation } from './agent-turn.ts';
import type { AttemptRunner } from './attempt-runner.ts';
import type { TaskEnding } from './task-ending.ts';
import type { StopReason } from './process-ending.ts';
import { cascadePrompt } from './cascade-context.ts';

export class AttemptJobHandler {
  private readonly tasks: TaskRepository;
  private readonly attempts: AttemptRunner;
  private readonly worktrees: WorktreeManager;
  private readonly remotes: TaskRemotes;
  private readonly logger: Logger;
  private readonly ending: TaskEnding;

  constructor(deps: { tasks: TaskRepository; attempts: AttemptRunner; ending: TaskEnding; worktrees: WorktreeManager; remotes: TaskRemotes; logger: Logger }) {
    this.ending = deps.ending;
    this.tasks = deps.tasks;
    this.attempts = deps.attempts;
    this.worktrees = deps.worktrees;
    this.remotes = deps.remotes;
    this.logger = deps.logger;
  }

  async handle(job: AttemptJob, stop: AbortController): Promise<void> {
    const stored = await this.tasks.get(job.taskId);
    if (stored?.status !== 'running') return;
    const run = await this.tasks.attempts.one(job.taskId, job.label);
    const spec = stored.config.agents.find((agent) => agent.label === job.label);
    if (!run || !spec) return;
    // Ended already (a job run twice, or one whose instance died while judging): the judge may still be due.
    if (run.status !== 'pending' && run.status !== 'running') return this.ending.resume(job.taskId, stop.signal);
    const task = this.remotes.onThisMachine(stored);
    if (run.status === 'running') {
      // Interrupted: its processes may still run on this host (their service was killed).
      // Stop them before the new worktree exists, or they would write into it.
      const killed = await killTagged((tag) => tag.startsWith(`${taskTagPrefix(job.taskId)}${job.label}/`));
      if (killed > 0) this.logger.warn({ taskId: job.taskId, agent: job.label, killed }, "stopped the interrupted attempt's processes");
      await this.worktrees.remove(task.repositoryPath, run.worktreePath ?? this.worktrees.worktreePath(job.taskId, job.label)).catch(() => {});
      await this.tasks.attempts.reset(job.taskId, job.label);
    }
    if (stored.cancelRequested) stop.abort('cancelled' satisfies StopReason);
    try {
      // A cascade's later tier is told the failure of the tier before (cascade-context.ts).
      const told = (spec.tier ?? 1) > 1 && run.followUp === null ? { ...spec, prompt: await cascadePrompt(task, spec, (await this.tasks.attempts.ofTasks([job.taskId])).get(job.taskId) ?? []) } : spec;
      const ending = await this.attempts.run(task, told, stop.signal, await this.continuationOf(task, run));
      if (ending) await this.ending.attemptEnded(job.taskId, job.label, ending, stop.signal);
    } finally {
      await this.worktrees.removeTaskFolder(job.taskId);
    }
  }

  /** A follow-up of a finished attempt continues from its branch's head; a first run has none. */
  private async continuationOf(task: TaskRecord, run: AttemptRecord): Promise<Continuation | undefined> {
    if (run.followUp === null) return undefined;
    const headCommit = (await branchHead(task.repositoryPath, run.branch)) ?? task.baseCommit;
    return { prompt: run.followUp, headCommit, sessionId: run.sessionId, costUsd: run.costUsd, inputTokens: run.inputTokens, outputTokens: run.outputTokens };
  }
}
