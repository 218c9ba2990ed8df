import type { IDataObject, IHookFunctions } from 'n8n-workflow';

import { credentialType, kageBunshinRequest } from '../shared/transport';
import { subscriptionSecret } from './subscription-secret';

/** What the trigger keeps in the workflow's static data between activations: no secret. */
export interface SubscriptionState {
	subscriptionId?: string;
}

interface Subscription {
	id: string;
	url: string;
	events: string[];
	filter: { repositoryPath: string | null; ownTasksOnly: boolean };
	status: string;
}

/** The Trigger's Filters parameter. */
export interface TriggerFilters {
	repositoryPath?: string;
	ownTasksOnly?: boolean;
}

function state(context: IHookFunctions): SubscriptionState & IDataObject {
	return context.getWorkflowStaticData('node') as SubscriptionState & IDataObject;
}

function chosenEvents(context: IHookFunctions): string[] {
	return context.getNodeParameter('events', []) as string[];
}

function chosenFilter(context: IHookFunctions): { repositoryPath: string | null; ownTasksOnly: boolean } {
	const filters = context.getNodeParameter('filters', {}) as TriggerFilters;
	return { repositoryPath: filters.repositoryPath?.trim() || null, ownTasksOnly: filters.ownTasksOnly === true };
}

/**
 * Whether our subscription still exists, active, with this webhook URL, these events and these
 * filters. One that differs (the user changed the node) is deleted, so create() makes a fresh one.
 */
export async function subscriptionExists(context: IHookFunctions): Promise<boolean> {
	const stored = state(context);
	if (!stored.subscriptionId) return false;
	const { statusCode, body } = await kageBunshinRequest<Subscription>(context, {
		method: 'GET',
		path: `/subscriptions/${encodeURIComponent(stored.subscriptionId)}`,
		acceptStatuses: [404],
	});
	if (statusCode === 404) {
		delete stored.subscriptionId;
		return false;
	}
	const wanted = [...chosenEvents(context)].sort().join(',');
	const filter = chosenFilter(context);
	const same =
		body.status === 'active' &&
		body.url === context.getNodeWebhookUrl('default') &&
		[...body.events].sort().join(',') === wanted &&
		body.filter.repositoryPath === filter.repositoryPath &&
		body.filter.ownTasksOnly === filter.ownTasksOnly;
	if (same) return true;
	await deleteSubscription(context);
	return false;
}

/**
 * Subscribes on the service. A refusal (a wrong API key, a URL the service may not call) fails
 * the activation with the service's own message.
 */
export async function createSubscription(context: IHookFunctions): Promise<boolean> {
	const credentials = await context.getCredentials(credentialType);
	const url = context.getNodeWebhookUrl('default') ?? '';
	const workflow = context.getWorkflow();
	const filter = chosenFilter(context);
	const { body } = await kageBunshinRequest<Subscription>(context, {
		method: 'POST',
		path: '/subscriptions',
		body: {
			url,
			events: chosenEvents(context),
			secret: subscriptionSecret(credentials, url),
			description: `n8n workflow "${workflow.name ?? ''}" (${workflow.id ?? 'unsaved'})`,
			filter: {
				...(filter.repositoryPath ? { repositoryPath: filter.repositoryPath } : {}),
				...(filter.ownTasksOnly ? { ownTasksOnly: true } : {}),
			},
		},
	});
	state(context).subscriptionId = body.id;
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
	delete stored.subscriptionId;
	return true;
}
