/**
 * Continuing a finished attempt with a follow-up prompt: the task runs again for that attempt
 * alone (its worktree made again from its branch, its agent's session resumed where
 * the CLI can), then is ranked and ends again. Refused while the task runs, once an attempt was merged,
 * and for an attempt whose branch was discarded.
 */
import { randomUUID } from 'node:crypto';
import type { TaskRecord } from '../model/task.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import { branchHead } from '../git/repository.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import { Refusal } from '../refusal.ts';
import { TaskNotFoundError } from './task-errors.ts';
import { inSpan } from '../tracing/spans.ts';
import { ATTEMPT, TASK_ID } from '../tracing/span-fields.ts';

export class FollowUps {
  private readonly deps: { tasks: TaskRepository; events: EventStore; queue: TaskQueue };

  constructor(deps: { tasks: TaskRepository; events: EventStore; queue: TaskQueue }) {
    this.deps = deps;
  }

  async start(taskId: string, label: string, prompt: string): Promise<void> {
    const { tasks } = this.deps;
    const task = await tasks.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    if (task.status !== 'completed' && task.status !== 'failed') {
      throw new Refusal('conflict', 'task_not_finished', `Task ${taskId} is ${task.status}: a follow-up continues an attempt of a finished task`, { status: task.status });
    }
    const run = await tasks.attempts.one(taskId, label);
    if (!run) throw new Refusal('not_found', 'attempt_not_found', `Task ${taskId} has no attempt ${label}`, { agent: label });
    if (await tasks.wasMerged(taskId)) {
      throw new Refusal('conflict', 'task_merged', `Task ${taskId} was merged already: start a new task to change its result further`);
    }
    if ((await tasks.wasDiscarded(taskId)) || (await branchHead(task.repositoryPath, run.branch)) === null) {
      throw new Refusal('conflict', 'attempt_discarded', `Attempt ${label}'s branch ${run.branch} is gone (the task was discarded): there is nothing to continue`, { branch: run.branch });
    }
    // Traced (tracing on) in the task's trace, so the follow-up's attempt joins it too.
    const traced = { [TASK_ID]: taskId, [ATTEMPT]: label };
    await inSpan('follow_up', traced, () => this.reopen(task, label, prompt), { under: task.traceparent });
  }

  private async reopen(task: TaskRecord, label: string, prompt: string): Promise<void> {
    const { tasks, events, queue } = this.deps;
    const taskId = task.id;
    await events.transaction(taskId, async (tx, record) => {
      await tasks.lock(tx, taskId);
      const current = await tasks.get(taskId, tx);
      if (current?.status !== 'completed' && current?.status !== 'failed') {
        throw new Refusal('conflict', 'task_not_finished', `Task ${taskId} is ${current?.status}: a follow-up continues an attempt of a finished task`);
      }
      // Asked again under the task's lock: a merge or discard may have landed since the checks above.
      if (await tasks.wasMerged(taskId, tx)) throw new Refusal('conflict', 'task_merged', `Task ${taskId} was merged meanwhile: start a new task to change its result further`);
      if (await tasks.wasDiscarded(taskId, tx)) throw new Refusal('conflict', 'attempt_discarded', `Task ${taskId}'s attempts were discarded meanwhile: there is nothing to continue`);
      await tasks.reopenForFollowUp(tx, taskId, label, prompt);
      await record([{ type: 'attempt.follow_up', agentLabel: label, data: { prompt: prompt.slice(0, 2000) } }]);
      await queue.enqueueAttempts(tx, task.attemptQueue, taskId, [label], `follow-up-${randomUUID()}`);
    });
  }
}
