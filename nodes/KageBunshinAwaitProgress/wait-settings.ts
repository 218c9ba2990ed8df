import type { IExecuteFunctions, IWebhookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { credentialType } from '../shared/transport';
import type { WaitCondition, WaitFor } from './wait-condition';

type ParameterReader = (name: string, fallback: unknown) => unknown;

/** Reads the wait condition; `read` hides that execute() reads per item and webhook() cannot. */
export function readCondition(read: ParameterReader): WaitCondition {
	const waitFor = read('waitFor', 'taskFinished') as WaitFor;
	if (waitFor === 'agentFinished') return { waitFor, agentLabel: String(read('agentLabel', '')).trim() };
	if (waitFor === 'event') return { waitFor, eventTypes: read('eventTypes', []) as string[] };
	return { waitFor };
}

/** When n8n should stop waiting and continue with the timed-out item. */
export function waitDeadline(context: IExecuteFunctions, now: Date): Date | undefined {
	if (!(context.getNodeParameter('limitWaitTime', 0, true) as boolean)) return undefined;
	const amount = context.getNodeParameter('timeout', 0, 2) as number;
	const unit = context.getNodeParameter('timeoutUnit', 0, 'hours') as 'minutes' | 'hours' | 'days';
	const unitMs = { minutes: 60_000, hours: 3_600_000, days: 86_400_000 }[unit];
	return new Date(now.getTime() + amount * unitMs);
}

/** The credential's webhook secret; callbacks cannot be trusted without one. */
export async function webhookSecret(context: IExecuteFunctions | IWebhookFunctions): Promise<string> {
	const credentials = await context.getCredentials(credentialType);
	const secret = String(credentials.webhookSecret ?? '').trim();
	if (!secret.startsWith('whsec_')) {
		throw new NodeOperationError(context.getNode(), 'The Kage Bunshin API credential has no webhook secret', {
			description:
				'Await Progress checks that every callback was signed by the service. Set "Webhook Secret" in the credential to whsec_ followed by base64 of 32 random bytes.',
		});
	}
	return secret;
}
