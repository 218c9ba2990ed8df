import { createHmac } from 'node:crypto';

/**
 * The secret a Trigger's subscription is signed with, derived from the credential and the
 * trigger's webhook URL, so that nothing secret sits in the workflow's static data (n8n's
 * public API returns static data in clear). The credential's webhook secret keys it when set,
 * otherwise its API key: the service then holds a secret only this credential can recompute.
 */
export function subscriptionSecret(credentials: { apiKey?: unknown; webhookSecret?: unknown }, webhookUrl: string): string {
	const key = String(credentials.webhookSecret ?? '').trim() || String(credentials.apiKey ?? '');
	const derived = createHmac('sha256', key).update(`kage-bunshin trigger subscription\n${webhookUrl}`).digest('base64');
	return `whsec_${derived}`;
}
