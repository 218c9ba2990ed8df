import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { generateWebhookSecret, isValidWebhookSecret, signWebhook } from '../../../service/src/webhooks/webhook-secret.ts';

describe('webhook secrets and signatures', () => {
  it('signs the way the standardwebhooks package verifies', () => {
    const secret = generateWebhookSecret();
    const body = JSON.stringify({ type: 'task.completed', timestamp: new Date().toISOString(), data: { taskId: 't', seq: 3 } });
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = { 'webhook-id': 'msg_1', 'webhook-timestamp': String(timestamp), 'webhook-signature': signWebhook(secret, 'msg_1', timestamp, body) };
    expect(new Webhook(secret).verify(body, headers)).toMatchObject({ data: { seq: 3 } });
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it('accepts whsec_ + base64 of 24 to 64 bytes only', () => {
    expect(isValidWebhookSecret(`whsec_${randomBytes(24).toString('base64')}`)).toBe(true);
    expect(isValidWebhookSecret(`whsec_${randomBytes(64).toString('base64')}`)).toBe(true);
    expect(isValidWebhookSecret(`whsec_${randomBytes(16).toString('base64')}`)).toBe(false);
    expect(isValidWebhookSecret(`whsec_${randomBytes(65).toString('base64')}`)).toBe(false);
    expect(isValidWebhookSecret(randomBytes(32).toString('base64'))).toBe(false);
    expect(isValidWebhookSecret('whsec_not base64 at all, sorry!!!!!!!!!!')).toBe(false);
  });
});
