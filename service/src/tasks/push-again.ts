/**
 * Asking again for a finished task's winner to be pushed (`POST /tasks/{id}/push`), after its
 * last try failed or the remote's branch was lost: the push is queued for the instance whose
 * mirror holds the branch, as when the task ended.
 */
import type { TaskRepository } from '../db/task-repository.ts';
import type { TaskQueue } from '../queue/task-queue.ts';
import { Refusal } from '../refusal.ts';
import { TaskNotFoundError } from './task-errors.ts';

export interface QueuedPush {
  agentLabel: string;
  branch: string;
  /** False when a push of this task was waiting or running already (no second one is queued). */
  queued: boolean;
}

export class PushAgain {
  private readonly deps: { tasks: TaskRepository; queue: TaskQueue };

  constructor(deps: { tasks: TaskRepository; queue: TaskQueue }) {
    this.deps = deps;
  }

  async request(taskId: string): Promise<QueuedPush> {
    const { tasks, queue } = this.deps;
    const task = await tasks.get(taskId);
    if (!task) throw new TaskNotFoundError(taskId);
    if (!task.repositoryUrl) {
      throw new Refusal('conflict', 'not_a_remote_repository', `Task ${taskId} works on a local repository: there is no remote to push to`);
    }
    const winner = task.winnerLabel ? await tasks.attempts.one(taskId, task.winnerLabel) : undefined;
    if (task.status !== 'completed' || !winner?.worker) {
      throw new Refusal('conflict', 'no_winner_to_push', `Task ${taskId} is ${task.status}${task.status === 'completed' ? ' without a winner' : ''}: only a completed task's winner is pushed`, { status: task.status });
    }
    if (await tasks.wasDiscarded(taskId)) {
      throw new Refusal('conflict', 'attempt_discarded', `Task ${taskId}'s attempts were discarded: ${winner.branch} is gone, there is nothing to push`, { branch: winner.branch });
    }
    const queued = await queue.enqueuePush(undefined, winner.worker, taskId);
    if (queued === 'no_queue') {
      throw new Refusal('conflict', 'winner_instance_takes_no_pushes', `The instance that ran ${winner.label} (${winner.worker}) takes no pushes: its mirror holds the branch; upgrade it, then ask again`, { worker: winner.worker });
    }
    return { agentLabel: winner.label, branch: winner.branch, queued: queued === 'queued' };
  }
}
