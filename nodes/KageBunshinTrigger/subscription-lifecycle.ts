import type { IDataObject, IHookFunctions } from 'n8n-workflow';

import { credentialType, kageBunshinRequest } from '../shared/transport';

/** What the trigger keeps in the workflow's static data between activations. */
export interface SubscriptionState {
	subscriptionId?: string;
	/** The secret deliveries are signed with: ours if the credential has one, else the service's. */
	secret?: string;
}

interface Subscription {
	id: string;
	url: string;
	events: string[];
	secret?: string;
}

function state(context: IHookFunctions): SubscriptionState & IDataObject {
	return context.getWorkflowStaticData('node') as SubscriptionState & IDataObject;
}

function chosenEvents(context: IHookFunctions): string[] {
	return context.getNodeParameter('events', []) as string[];
}

/**
 * Whether our subscription still exists with this webhook URL and these events. One that exists
 * with other events (the user changed the selection) is deleted, so create() makes a fresh one.
 */
export async function subscriptionExists(context: IHookFunctions): Promise<boolean> {
	const stored = state(context);
	if (!stored.subscriptionId) return false;
	const { body } = await kageBunshinRequest<Subscription[] | { items: Subscription[] }>(context, {
		method: 'GET',
		path: '/subscriptions',
	});
	const subscriptions = Array.isArray(body) ? body : body.items;
	const existing = subscriptions.find((subscription) => subscription.id === stored.subscriptionId);
	if (!existing) {
		forget(stored);
		return false;
	}
	const wanted = [...chosenEvents(context)].sort().join(',');
	if (existing.url === context.getNodeWebhookUrl('default') && [...existing.events].sort().join(',') === wanted) {
		return true;
	}
	await deleteSubscription(context);
	return false;
}

export async function createSubscription(context: IHookFunctions): Promise<boolean> {
	const credentials = await context.getCredentials(credentialType);
	const ownSecret = String(credentials.webhookSecret ?? '').trim();
	const workflow = context.getWorkflow();
	const { body } = await kageBunshinRequest<Subscription>(context, {
		method: 'POST',
		path: '/subscriptions',
		body: {
			url: context.getNodeWebhookUrl('default'),
			events: chosenEvents(context),
			...(ownSecret ? { secret: ownSecret } : {}),
			description: `n8n workflow "${workflow.name ?? ''}" (${workflow.id ?? 'unsaved'})`,
		},
	});
	const stored = state(context);
	stored.subscriptionId = body.id;
	stored.secret = body.secret ?? ownSecret;
	return true;
}

/** Deletes our subscription; one the service no longer has counts as deleted. */
export async function deleteSubscription(context: IHookFunctions): Promise<boolean> {
	const stored = state(context);
	if (stored.subscriptionId) {
		await kageBunshinRequest(context, {
			method: 'DELETE',
			path: `/subscriptions/${encodeURIComponent(stored.subscriptionId)}`,
			acceptStatuses: [404],
		});
	}
	forget(stored);
	return true;
}

function forget(stored: SubscriptionState & IDataObject): void {
	delete stored.subscriptionId;
	delete stored.secret;
}
