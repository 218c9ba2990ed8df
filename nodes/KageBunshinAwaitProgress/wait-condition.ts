import type { IDataObject } from 'n8n-workflow';

import { agentFinishedEventTypes, taskFinishedEventTypes } from '../shared/event-types';
import type { ReceivedEvent } from '../shared/signed-event';
import { finishedAgentStatuses, finishedTaskStatuses, type Task, type TaskEvent } from '../shared/task-types';

export type WaitFor = 'taskFinished' | 'agentFinished' | 'event' | 'merged';

const mergeEventType = 'merge.completed';

export interface WaitCondition {
	waitFor: WaitFor;
	/** For 'agentFinished': the attempt's label, e.g. "claude-1". */
	agentLabel?: string;
	/** For 'event': the event types that end the wait. */
	eventTypes?: string[];
}

/** The event types the service should send to the resume URL for this condition. */
export function callbackEventTypes(condition: WaitCondition): string[] {
	switch (condition.waitFor) {
		case 'taskFinished':
			return taskFinishedEventTypes;
		// A task that ends (cancelled, say) before the agent reports ends the agent's wait too.
		case 'agentFinished':
			return [...agentFinishedEventTypes, ...taskFinishedEventTypes];
		case 'event':
			return condition.eventTypes ?? [];
		case 'merged':
			return [mergeEventType];
	}
}

/** Whether an event (received, or read from the task's log) ends the wait. */
export function eventEndsWait(condition: WaitCondition, event: { type: string; data: Record<string, unknown> }): boolean {
	switch (condition.waitFor) {
		case 'taskFinished':
			return taskFinishedEventTypes.includes(event.type);
		case 'agentFinished':
			return (
				taskFinishedEventTypes.includes(event.type) ||
				(agentFinishedEventTypes.includes(event.type) && event.data.agentLabel === condition.agentLabel)
			);
		case 'event':
			return (condition.eventTypes ?? []).includes(event.type);
		// A manual merge only put the merge on a review branch: the target has not moved yet.
		case 'merged':
			return event.type === mergeEventType && event.data.status === 'merged';
	}
}

/**
 * Whether the task's current state already satisfies the condition, so there is nothing to wait
 * for (the task finished before the node ran). Event and merge conditions are checked against
 * the event log instead, since a state does not tell which events happened.
 */
export function taskSatisfies(condition: WaitCondition, task: Task): boolean {
	const taskFinished = finishedTaskStatuses.includes(task.status);
	switch (condition.waitFor) {
		case 'taskFinished':
			return taskFinished;
		case 'agentFinished': {
			const run = task.agents.find((agent) => agent.label === condition.agentLabel);
			return taskFinished || (run !== undefined && finishedAgentStatuses.includes(run.status));
		}
		case 'event':
		case 'merged':
			return false;
	}
}

/** Whether the condition is met by an event in the task's log (conditions a task state cannot tell). */
export function readFromEventLog(condition: WaitCondition): boolean {
	return condition.waitFor === 'event' || condition.waitFor === 'merged';
}

/** What the node outputs when the wait ends: the task, and the event that ended the wait. */
export function waitResult(task: Task, event: IDataObject | null): IDataObject {
	return { ...(task as IDataObject), timedOut: false, waiting: false, event };
}

/** What the node outputs when the wait runs out of time. */
export function timedOutResult(taskId: string, condition: WaitCondition): IDataObject {
	return { id: taskId, timedOut: true, waiting: false, event: null, waitedFor: { ...condition } as IDataObject };
}

/** What n8n shows of the node while the execution waits. */
export function waitingResult(taskId: string, condition: WaitCondition, deadline: Date | undefined): IDataObject {
	return {
		id: taskId,
		timedOut: false,
		waiting: true,
		waitingUntil: deadline?.toISOString() ?? null,
		event: null,
		waitedFor: { ...condition } as IDataObject,
	};
}

/** An event from the task's log, in the same shape as one received by webhook(). */
export function describeLoggedEvent(event: TaskEvent): IDataObject {
	const { type, timestamp, taskId, seq, agentLabel, data } = event;
	return { type, timestamp, ...(data as IDataObject), taskId, seq, agentLabel };
}

/** The event for the output, without the task snapshot terminal events carry (output already). */
export function describeEvent(event: ReceivedEvent): IDataObject {
	const data = { ...event.data } as IDataObject;
	delete data.task;
	delete data.callback;
	return { type: event.type, timestamp: event.timestamp, ...data };
}
