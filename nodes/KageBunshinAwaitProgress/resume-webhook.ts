import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { acknowledge, readSignedEvent, refuseWebhook } from '../shared/signed-event';
import type { Task } from '../shared/task-types';
import { kageBunshinRequest } from '../shared/transport';
import { describeEvent, eventEndsWait, waitResult } from './wait-condition';
import { readCondition, webhookSecret } from './wait-settings';

/**
 * Runs when the service POSTs an event to the resume URL. A call without a valid signature is
 * refused and leaves the execution waiting; an event that does not end the wait is acknowledged
 * (so the service stops retrying it) and also leaves it waiting. A delivery to another wait's
 * callback (an earlier Await Progress of this execution shares the resume URL) answers 410 Gone,
 * which ends that stale callback on the service. Ending the wait ends this node's callback.
 */
export async function handleCallback(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const check = readSignedEvent(context, await webhookSecret(context));
	if (!check.valid) return refuseWebhook(context, 401, check.reason);
	const { event } = check;
	const callback = event.data.callback;
	if (callback?.name && callback.name !== context.getNode().name) {
		return refuseWebhook(context, 410, `this execution waits in "${context.getNode().name}", not in "${callback.name}"`, 'callback_gone');
	}
	const condition = readCondition((name, fallback) => context.getNodeParameter(name, fallback));
	if (!eventEndsWait(condition, event)) return acknowledge(`${event.type} does not end this wait`);

	const taskPath = `/tasks/${encodeURIComponent(event.data.taskId)}`;
	// Terminal events carry only a summary of the task; the output is the whole task, as Get gives.
	const { body: task } = await kageBunshinRequest<Task>(context, { method: 'GET', path: taskPath });
	if (callback?.id) {
		await kageBunshinRequest(context, {
			method: 'DELETE',
			path: `${taskPath}/callbacks/${encodeURIComponent(callback.id)}`,
			acceptStatuses: [404],
		});
	}
	return {
		webhookResponse: { received: true, acted: true, resumed: true },
		workflowData: [[{ json: waitResult(task, describeEvent(event)), pairedItem: { item: 0 } }]],
	};
}
