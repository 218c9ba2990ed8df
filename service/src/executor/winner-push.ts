/**
 * Pushing a finished task's winner (`push: "winner"`): its own step, after the transaction that
 * ended the task has committed. A push waits on the network for as long as the remote takes (up
 * to its timeout); inside the transaction it held the task's row and, on PGlite (one connection),
 * every other query of the service. Its outcome is told as an event of the winning attempt.
 */
import type { TaskRemotes, PushOutcome } from '../credentials/task-remotes.ts';
import type { TaskRecord } from '../model/task.ts';
import type { EventStore, NewEvent } from '../events/event-store.ts';

/** What a push did, as the attempt's progress event. */
export function pushEvent(label: string, push: PushOutcome): NewEvent {
  return { type: 'agent.progress', agentLabel: label, data: { kind: push.pushed ? 'notice' : 'error', message: push.message } };
}

/** The winner a task that just ended still has to push (task-ending.ts says so). */
export interface WinnerToPush {
  task: TaskRecord;
  label: string;
  branch: string;
}

/** Pushes the winner's branch and records how it went. Never throws (the push says why it failed). */
export async function pushWinner(deps: { remotes: TaskRemotes; events: EventStore }, winner: WinnerToPush): Promise<void> {
  const push = await deps.remotes.pushAttemptBranch(winner.task, winner.branch);
  await deps.events.appendMany(winner.task.id, [pushEvent(winner.label, push)]);
}
