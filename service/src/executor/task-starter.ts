/**
 * Starting a task, the task job's whole work: the task becomes running and each of its
 * attempts becomes a job of its own, in one transaction, so the attempts can run on any
 * instance that serves the task's attempt queue (a cascade: its first tier's). (A task cancelled while pending has ended
 * already: the cancel itself ended it.)
 */
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore } from '../events/event-store.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import { firstCascadeState } from './strategies.ts';

export class TaskStarter {
  private readonly deps: { tasks: TaskRepository; events: EventStore; queue: TaskQueue };

  constructor(deps: { tasks: TaskRepository; events: EventStore; queue: TaskQueue }) {
    this.deps = deps;
  }

  async start(taskId: string): Promise<void> {
    const { tasks, events, queue } = this.deps;
    await events.transaction(taskId, async (tx, record) => {
      await tasks.lock(tx, taskId);
      const task = await tasks.get(taskId, tx);
      // Started already (this job ran before and its completion was lost): its attempt jobs exist.
      if (task?.status !== 'pending') return;
      await tasks.markRunning(tx, taskId);
      const labels = task.config.agents.map((agent) => agent.label);
      await record([{ type: 'task.started', data: { agents: labels } }]);
      if (task.config.strategy !== 'cascade') return queue.enqueueAttempts(tx, task.attemptQueue, taskId, labels);
      // A cascade starts with its first tier; the task's ending starts the next when one fails (strategies.ts).
      const cascade = firstCascadeState(task);
      const first = cascade.tiers[0]!.agents;
      await tasks.setResult(tx, taskId, { cascade });
      await record([{ type: 'tier.started', data: { tier: 1, agents: first, after: null } }]);
      await queue.enqueueAttempts(tx, task.attemptQueue, taskId, first);
    });
  }
}
