import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { verifyWebhookSignature } from '../../../nodes/shared/signature.ts';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const body = JSON.stringify({ type: 'task.completed', timestamp: '2026-01-01T00:00:00.000Z', data: { taskId: 't', seq: 3 } });
const now = new Date('2026-01-01T00:00:10Z');

function signedHeaders(options: { key?: string; id?: string; at?: Date; payload?: string } = {}) {
  const id = options.id ?? 'msg_2Lz9x';
  const at = options.at ?? now;
  const signature = new Webhook(options.key ?? secret).sign(id, at, options.payload ?? body);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': signature,
  };
}

describe('verifyWebhookSignature', () => {
  it('accepts what the standardwebhooks reference library signs, as that library does', () => {
    const headers = signedHeaders();
    expect(verifyWebhookSignature({ secret, headers, body, now })).toEqual({ valid: true });
    expect(verifyWebhookSignature({ secret, headers, body: Buffer.from(body), now })).toEqual({ valid: true });
    // The reference verifier checks against the real clock, so sign at the real time for it.
    const fresh = signedHeaders({ at: new Date() });
    expect(new Webhook(secret).verify(body, fresh)).toEqual(JSON.parse(body));
    expect(verifyWebhookSignature({ secret, headers: fresh, body })).toEqual({ valid: true });
  });

  it('refuses a body changed after signing', () => {
    const check = verifyWebhookSignature({ secret, headers: signedHeaders(), body: body.replace('"seq":3', '"seq":4'), now });
    expect(check).toMatchObject({ valid: false, reason: expect.stringContaining('no webhook-signature entry') });
  });

  it('refuses a signature made with another secret', () => {
    const other = `whsec_${randomBytes(32).toString('base64')}`;
    expect(verifyWebhookSignature({ secret, headers: signedHeaders({ key: other }), body, now }).valid).toBe(false);
  });

  it('refuses a changed webhook-id, since the id is part of what is signed', () => {
    const headers = { ...signedHeaders(), 'webhook-id': 'msg_other' };
    expect(verifyWebhookSignature({ secret, headers, body, now }).valid).toBe(false);
  });

  it('refuses a timestamp outside the tolerance, in either direction', () => {
    const old = signedHeaders({ at: new Date(now.getTime() - 301_000) });
    const future = signedHeaders({ at: new Date(now.getTime() + 301_000) });
    expect(verifyWebhookSignature({ secret, headers: old, body, now })).toMatchObject({ valid: false, reason: expect.stringContaining('300 s') });
    expect(verifyWebhookSignature({ secret, headers: future, body, now }).valid).toBe(false);
    const justInside = signedHeaders({ at: new Date(now.getTime() - 299_000) });
    expect(verifyWebhookSignature({ secret, headers: justInside, body, now }).valid).toBe(true);
  });

  it('accepts a header carrying several signatures when one matches (secret rotation)', () => {
    const headers = signedHeaders();
    const other = new Webhook(`whsec_${randomBytes(32).toString('base64')}`).sign('msg_2Lz9x', now, body);
    const both = { ...headers, 'webhook-signature': `${other} ${headers['webhook-signature']}` };
    expect(verifyWebhookSignature({ secret, headers: both, body, now }).valid).toBe(true);
    const onlyOther = { ...headers, 'webhook-signature': other };
    expect(verifyWebhookSignature({ secret, headers: onlyOther, body, now }).valid).toBe(false);
  });

  it('ignores signature versions other than v1', () => {
    const headers = signedHeaders();
    const v2 = { ...headers, 'webhook-signature': headers['webhook-signature'].replace(/^v1,/, 'v2,') };
    expect(verifyWebhookSignature({ secret, headers: v2, body, now }).valid).toBe(false);
  });

  it('refuses requests missing a header, with a non-numeric timestamp, or a malformed secret', () => {
    const headers = signedHeaders();
    const unsigned: Record<string, string> = { ...headers };
    delete unsigned['webhook-signature'];
    expect(verifyWebhookSignature({ secret, headers: unsigned, body, now })).toMatchObject({ valid: false, reason: expect.stringContaining('missing') });
    expect(verifyWebhookSignature({ secret, headers: { ...headers, 'webhook-timestamp': 'soon' }, body, now }).valid).toBe(false);
    expect(verifyWebhookSignature({ secret: 'whsec_not base64!', headers, body, now }).valid).toBe(false);
  });
});
