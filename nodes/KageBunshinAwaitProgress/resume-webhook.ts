import type { IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { acknowledge, readSignedEvent, refuseWebhook } from '../shared/signed-event';
import type { Task } from '../shared/task-types';
import { kageBunshinRequest } from '../shared/transport';
import { describeEvent, eventEndsWait, waitResult } from './wait-condition';
import { readCondition, webhookSecret } from './wait-settings';

/**
 * Runs when the service POSTs an event to the resume URL. A call without a valid signature is
 * refused and leaves the execution waiting; an event that does not end the wait is acknowledged
 * (so the service stops retrying it) and also leaves it waiting.
 */
export async function handleCallback(context: IWebhookFunctions): Promise<IWebhookResponseData> {
	const check = readSignedEvent(context, await webhookSecret(context));
	if (!check.valid) return refuseWebhook(context, 401, check.reason);
	const { event } = check;
	const condition = readCondition((name, fallback) => context.getNodeParameter(name, fallback));
	if (!eventEndsWait(condition, event)) return acknowledge(`${event.type} does not end this wait`);

	// Terminal events carry only a summary of the task; the output is the whole task, as Get gives.
	const { body: task } = await kageBunshinRequest<Task>(context, {
		method: 'GET',
		path: `/tasks/${encodeURIComponent(event.data.taskId)}`,
	});
	return {
		webhookResponse: { received: true, acted: true, resumed: true },
		workflowData: [[{ json: waitResult(task, describeEvent(event)), pairedItem: { item: 0 } }]],
	};
}
