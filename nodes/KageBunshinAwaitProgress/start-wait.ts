import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, WAIT_INDEFINITELY } from 'n8n-workflow';

import { readTaskId } from '../shared/fields';
import type { Task, TaskEvent } from '../shared/task-types';
import { kageBunshinRequest } from '../shared/transport';
import {
	callbackEventTypes,
	describeLoggedEvent,
	eventEndsWait,
	readFromEventLog,
	taskSatisfies,
	timedOutResult,
	waitingResult,
	waitResult,
	type WaitCondition,
} from './wait-condition';
import { readCondition, waitDeadline, webhookSecret } from './wait-settings';

const eventPageSize = 500;

/**
 * The Wait node's pattern: register this execution's resume URL as the task's callback, then
 * put the execution to wait. n8n runs webhook() when the service calls back. If the task is
 * already where the user wants it, the node continues at once instead.
 */
export async function startWait(context: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	if (context.isToolExecution()) {
		throw new NodeOperationError(context.getNode(), 'An AI agent cannot wait for a task through a tool call', {
			description: 'Use the Get Status operation as a tool instead.',
		});
	}
	const items = context.getInputData();
	if (items.length !== 1) {
		throw new NodeOperationError(context.getNode(), `Wait takes one task per execution, got ${items.length} items`, {
			description:
				'n8n resumes a waiting execution once. Put this node in a Loop Over Items node with batch size 1, or use Get Status for many tasks.',
		});
	}
	const taskId = readTaskId(context, 0);
	const condition = readCondition((name, fallback) => context.getNodeParameter(name, 0, fallback));
	const secret = await webhookSecret(context);
	const taskPath = `/tasks/${encodeURIComponent(taskId)}`;

	const { body: task } = await kageBunshinRequest<Task>(context, { method: 'GET', path: taskPath, itemIndex: 0 });
	checkCondition(context, condition, task);
	const reached = await alreadyReached(context, condition, task, taskPath);
	if (reached) return [[{ json: waitResult(task, reached.event), pairedItem: { item: 0 } }]];

	const resumeUrl = context.evaluateExpression('{{ $execution.resumeUrl }}', 0) as string;
	const deadline = waitDeadline(context, new Date());
	// The callback is this node's own (its name comes back in every delivery) and ends with the
	// wait: at the deadline on the service's side, or when webhook() resumes the execution.
	await kageBunshinRequest(context, {
		method: 'POST',
		path: `${taskPath}/callbacks`,
		body: {
			url: resumeUrl,
			events: callbackEventTypes(condition),
			secret,
			name: context.getNode().name,
			...(deadline ? { expiresAt: deadline.toISOString() } : {}),
		},
		itemIndex: 0,
	});

	// When the deadline passes, n8n resumes without calling the node again and passes the node's
	// stored input through. Replacing that input item (same array n8n stores) makes the timeout
	// visible downstream as `timedOut: true`; a callback's output replaces it otherwise. What the
	// node returns now is only what n8n shows while the execution waits (e.g. a webhook answered
	// "When Last Node Finishes"): still waiting, not timed out.
	items[0] = { json: timedOutResult(task.id, condition), pairedItem: { item: 0 } };
	await context.putExecutionToWait(deadline ?? WAIT_INDEFINITELY);
	return [[{ json: waitingResult(task.id, condition, deadline), pairedItem: { item: 0 } }]];
}

function checkCondition(context: IExecuteFunctions, condition: WaitCondition, task: Task): void {
	if (condition.waitFor === 'agentFinished' && !task.agents.some((agent) => agent.label === condition.agentLabel)) {
		const labels = task.agents.map((agent) => agent.label).join(', ');
		throw new NodeOperationError(context.getNode(), `Task ${task.id} has no agent labelled "${condition.agentLabel}"`, {
			description: `Its agents are: ${labels}`,
			itemIndex: 0,
		});
	}
	if (condition.waitFor === 'event' && (condition.eventTypes ?? []).length === 0) {
		throw new NodeOperationError(context.getNode(), 'Choose at least one event type to wait for', { itemIndex: 0 });
	}
}

async function alreadyReached(
	context: IExecuteFunctions,
	condition: WaitCondition,
	task: Task,
	taskPath: string,
): Promise<{ event: IDataObject | null } | undefined> {
	if (taskSatisfies(condition, task)) return { event: null };
	if (!readFromEventLog(condition)) return undefined;
	for (let after = 0; ; ) {
		const { body } = await kageBunshinRequest<{ items: TaskEvent[] }>(context, {
			method: 'GET',
			path: `${taskPath}/events`,
			qs: { after, limit: eventPageSize },
			itemIndex: 0,
		});
		const match = body.items.find((event) => eventEndsWait(condition, event));
		if (match) return { event: describeLoggedEvent(match) };
		if (body.items.length < eventPageSize) return undefined;
		after = body.items[body.items.length - 1].seq;
	}
}
