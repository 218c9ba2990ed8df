import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a webhook's timestamp may be from now, as the Standard Webhooks spec recommends. */
export const defaultToleranceSeconds = 5 * 60;

export type HeaderValues = Record<string, string | string[] | undefined>;

export type SignatureCheck = { valid: true } | { valid: false; reason: string };

export interface SignedRequest {
	/** `whsec_` followed by the base64 of the key bytes. */
	secret: string;
	headers: HeaderValues;
	/** The body exactly as received: the signature covers the bytes, not the parsed JSON. */
	body: string | Buffer;
	now?: Date;
	toleranceSeconds?: number;
}

/**
 * Checks a Standard Webhooks signature: `webhook-signature` holds space-separated `v1,<base64>`
 * entries, each an HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` keyed with the
 * decoded secret. The timestamp window stops a captured call from being replayed later.
 */
export function verifyWebhookSignature(request: SignedRequest): SignatureCheck {
	const id = header(request.headers, 'webhook-id');
	const timestamp = header(request.headers, 'webhook-timestamp');
	const signatures = header(request.headers, 'webhook-signature');
	if (!id || !timestamp || !signatures) {
		return { valid: false, reason: 'missing webhook-id, webhook-timestamp or webhook-signature header' };
	}
	if (!/^\d+$/.test(timestamp)) return { valid: false, reason: 'webhook-timestamp is not a number of seconds' };
	const nowSeconds = Math.floor((request.now ?? new Date()).getTime() / 1000);
	const tolerance = request.toleranceSeconds ?? defaultToleranceSeconds;
	if (Math.abs(nowSeconds - Number(timestamp)) > tolerance) {
		return { valid: false, reason: `webhook-timestamp is more than ${tolerance} s away from now` };
	}
	const key = secretKey(request.secret);
	if (!key) return { valid: false, reason: 'the webhook secret is not whsec_ followed by base64' };
	const body = typeof request.body === 'string' ? request.body : request.body.toString('utf8');
	const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
	const matches = signatures.split(' ').some((entry) => {
		const [version, signature] = entry.split(',', 2);
		if (version !== 'v1' || !signature) return false;
		const given = Buffer.from(signature, 'base64');
		return given.length === expected.length && timingSafeEqual(given, expected);
	});
	return matches ? { valid: true } : { valid: false, reason: 'no webhook-signature entry matches the body' };
}

function secretKey(secret: string): Buffer | undefined {
	const encoded = secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret;
	if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
	return Buffer.from(encoded, 'base64');
}

function header(headers: HeaderValues, name: string): string | undefined {
	const value = headers[name] ?? headers[name.toLowerCase()];
	return Array.isArray(value) ? value[0] : value;
}
