import { createHmac, randomBytes } from 'node:crypto';
import { Refusal } from '../refusal.ts';

/** `whsec_` + base64 of 24 to 64 bytes: the Standard Webhooks secret format. */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{32,88}={0,2}$/;

export class InvalidWebhookSecretError extends Refusal {
  constructor(reason: string) {
    super('invalid', 'invalid_webhook_secret', `Invalid webhook secret: ${reason}; expected whsec_ followed by base64 of 24 to 64 random bytes`);
  }
}

/** The raw key bytes of a `whsec_` secret; throws InvalidWebhookSecretError when malformed. */
export function secretKey(secret: string): Buffer {
  if (!WEBHOOK_SECRET_PATTERN.test(secret)) throw new InvalidWebhookSecretError('wrong format');
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  if (key.length < 24 || key.length > 64) throw new InvalidWebhookSecretError(`decodes to ${key.length} bytes`);
  return key;
}

export function isValidWebhookSecret(secret: string): boolean {
  try {
    secretKey(secret);
    return true;
  } catch {
    return false;
  }
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** The Standard Webhooks signature header value: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`. */
export function signWebhook(secret: string, messageId: string, timestampSeconds: number, body: string): string {
  const mac = createHmac('sha256', secretKey(secret)).update(`${messageId}.${timestampSeconds}.${body}`).digest('base64');
  return `v1,${mac}`;
}
