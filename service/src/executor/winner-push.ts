/**
 * Pushing a finished task's winner (`push: "winner"`): its own queued step, enqueued in the
 * transaction that ends the task and run after it has committed, by the instance whose mirror
 * holds the winner's branch. A push waits on the network for as long as the remote takes (up to
 * its timeout), so it never runs under the task's row lock or inside a transaction. A failed try
 * says so and is tried again; the last try's outcome is the `push.completed` event.
 */
import type { TaskRemotes, PushOutcome } from '../credentials/task-remotes.ts';
import type { TaskRepository } from '../db/task-repository.ts';
import type { EventStore, NewEvent } from '../events/event-store.ts';
import type { PushJob } from '../queue/task-queue.ts';
import { ATTEMPT, TASK_ID } from '../tracing/span-fields.ts';
import { failSpan, inSpan } from '../tracing/spans.ts';

/** What a push of an attempt's branch did, as the attempt's progress event. */
export function pushEvent(label: string, push: PushOutcome): NewEvent {
  return { type: 'agent.progress', agentLabel: label, data: { kind: push.pushed ? 'notice' : 'error', message: push.message } };
}

export class WinnerPush {
  private readonly deps: { tasks: TaskRepository; events: EventStore; remotes: TaskRemotes };

  constructor(deps: { tasks: TaskRepository; events: EventStore; remotes: TaskRemotes }) {
    this.deps = deps;
  }

  /** One try of a task's push. Throws when it failed and another try follows. */
  async push(job: PushJob & { lastTry: boolean }): Promise<void> {
    const { tasks, events, remotes } = this.deps;
    const stored = await tasks.get(job.taskId);
    const winner = stored?.winnerLabel ? await tasks.attempts.one(stored.id, stored.winnerLabel) : undefined;
    if (!stored || !winner) return;
    // This instance's mirror, where the winner ran (the stored path is that of the instance that accepted the task).
    const task = remotes.onThisMachine(stored);
    // Traced (tracing on) under the task's span; detached, since pg-boss's loop may have been woken inside any span.
    await inSpan(
      'winner_push',
      { [TASK_ID]: task.id, [ATTEMPT]: winner.label, 'kage.git.branch': winner.branch, 'kage.push.last_try': job.lastTry },
      async (span) => {
        // Discarded (on any instance) since the push was asked for: pushing would bring the branch back to the remote.
        const gone = await tasks.wasDiscarded(task.id);
        const push: PushOutcome = gone
          ? { pushed: false, message: `${winner.branch} was not pushed: the task's attempts were discarded` }
          : await remotes.pushAttemptBranch(task, winner.branch);
        if (!push.pushed) failSpan(span, push.message, 'push_failed');
        if (!push.pushed && !gone && !job.lastTry) {
          await events.appendMany(task.id, [{ type: 'agent.progress', agentLabel: winner.label, data: { kind: 'error', message: `${push.message}; trying again` } }]);
          throw new Error(push.message);
        }
        await events.appendMany(task.id, [{ type: 'push.completed', agentLabel: winner.label, data: { status: push.pushed ? 'pushed' : 'failed', branch: winner.branch, message: push.message } }]);
      },
      { under: stored.traceparent, detached: true },
    );
  }
}
