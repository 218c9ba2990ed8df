import type { IDataObject, IWebhookFunctions, IWebhookResponseData } from 'n8n-workflow';

import { verifyWebhookSignature } from './signature';
import type { Task } from './task-types';

/** The body the service POSTs for every event (Standard Webhooks payload). */
export interface ReceivedEvent {
	type: string;
	timestamp: string;
	data: {
		taskId: string;
		seq: number;
		agentLabel: string | null;
		/** Present on terminal task events. */
		task?: Task;
		/** Present on deliveries to a task's callback: which one, and who waits on it. */
		callback?: { id: string; name: string | null };
		[key: string]: unknown;
	};
}

export type SignedEventCheck =
	| { valid: true; event: ReceivedEvent; webhookId: string }
	| { valid: false; reason: string };

/** Verifies the request's signature against `secret` and parses the event it carries. */
export function readSignedEvent(context: IWebhookFunctions, secret: string): SignedEventCheck {
	const headers = context.getHeaderData() as Record<string, string | string[] | undefined>;
	const check = verifyWebhookSignature({ secret, headers, body: rawBody(context) });
	if (!check.valid) return check;
	const event = context.getBodyData() as unknown as ReceivedEvent;
	if (typeof event?.type !== 'string' || typeof event.data?.taskId !== 'string') {
		return { valid: false, reason: 'the body is not a Kage Bunshin event' };
	}
	return { valid: true, event, webhookId: String(headers['webhook-id']) };
}

/**
 * Answers the call with an error status and starts nothing: a request n8n should not act on
 * (bad signature) must neither start a workflow nor resume a waiting one.
 */
export function refuseWebhook(
	context: IWebhookFunctions,
	statusCode: number,
	reason: string,
	code = 'invalid_signature',
): IWebhookResponseData {
	const response = context.getResponseObject();
	response.status(statusCode).json({ error: { code, message: reason } });
	return { noWebhookResponse: true };
}

/** Acknowledges an event that changes nothing (so the service stops retrying it). */
export function acknowledge(reason: string): IWebhookResponseData {
	const body: IDataObject = { received: true, acted: false, reason };
	return { webhookResponse: body };
}

// n8n keeps the request's bytes as `rawBody`; the signature covers those, not re-serialised JSON.
function rawBody(context: IWebhookFunctions): string | Buffer {
	const request = context.getRequestObject() as { rawBody?: Buffer | string };
	return request.rawBody ?? JSON.stringify(context.getBodyData());
}
