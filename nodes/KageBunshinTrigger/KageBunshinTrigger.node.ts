import type {
	IDataObject,
	IHookFunctions,
	INodeType,
	INodeTypeDescription,
	IWebhookFunctions,
	IWebhookResponseData,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { eventTypeOptions } from '../shared/event-types';

const eventNames = Object.fromEntries(eventTypeOptions.map((option) => [option.value, option.name.toLowerCase()]));
import { acknowledge, readSignedEvent, refuseWebhook } from '../shared/signed-event';
import { credentialType } from '../shared/transport';
import { createSubscription, deleteSubscription, subscriptionExists } from './subscription-lifecycle';
import { subscriptionSecret } from './subscription-secret';

export class KageBunshinTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Kage Bunshin Trigger',
		name: 'kageBunshinTrigger',
		icon: { light: 'file:../shared/icons/kage-bunshin.svg', dark: 'file:../shared/icons/kage-bunshin.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle: `={{"on " + $parameter["events"].map((type) => (${JSON.stringify(eventNames)})[type] || type).join(", ")}}`,
		description: 'Starts the workflow when Kage Bunshin tasks and agents start, progress, finish or merge',
		defaults: { name: 'Kage Bunshin Trigger' },
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'kageBunshinApi', required: true }],
		webhooks: [
			{
				name: 'default',
				httpMethod: 'POST',
				responseMode: 'onReceived',
				path: 'kage-bunshin',
			},
		],
		properties: [
			{
				displayName: 'Events',
				name: 'events',
				type: 'multiOptions',
				required: true,
				options: eventTypeOptions,
				default: ['task.completed', 'task.failed'],
				description:
					'Event types that start the workflow. Publishing the workflow subscribes to them on the service; unpublishing unsubscribes.',
			},
			{
				displayName: 'Filters',
				name: 'filters',
				type: 'collection',
				placeholder: 'Add Filter',
				default: {},
				options: [
					{
						displayName: 'Only Tasks of This Credential',
						name: 'ownTasksOnly',
						type: 'boolean',
						default: false,
						description: "Whether to start only for tasks submitted with this credential's API key",
					},
					{
						displayName: 'Repository Path',
						name: 'repositoryPath',
						type: 'string',
						default: '',
						placeholder: 'e.g. /home/me/projects/app',
						description: "Start only for tasks on this repository (its top level, as the task's repository.path)",
					},
				],
			},
		],
	};

	webhookMethods = {
		default: {
			async checkExists(this: IHookFunctions): Promise<boolean> {
				return await subscriptionExists(this);
			},
			async create(this: IHookFunctions): Promise<boolean> {
				return await createSubscription(this);
			},
			async delete(this: IHookFunctions): Promise<boolean> {
				return await deleteSubscription(this);
			},
		},
	};

	async webhook(this: IWebhookFunctions): Promise<IWebhookResponseData> {
		const credentials = await this.getCredentials(credentialType);
		const secret = subscriptionSecret(credentials, this.getNodeWebhookUrl('default') ?? '');
		const check = readSignedEvent(this, secret);
		if (!check.valid) return refuseWebhook(this, 401, check.reason);
		const { event, webhookId } = check;
		const events = this.getNodeParameter('events', []) as string[];
		if (!events.includes(event.type)) return acknowledge(`${event.type} is not one of this trigger's events`);
		const json: IDataObject = { type: event.type, timestamp: event.timestamp, webhookId, ...event.data };
		return { workflowData: [[{ json }]] };
	}
}
