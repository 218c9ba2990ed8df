import { describe, expect, it } from 'vitest';
import { checkWebhookUrl, WebhookUrlError } from '../../../service/src/webhooks/webhook-url.ts';

describe('webhook URL check', () => {
  it('accepts http and https to any host when no allow-list is set', () => {
    expect(checkWebhookUrl('https://n8n.example.com/webhook-waiting/12?signature=x', [])).toBe('https://n8n.example.com/webhook-waiting/12?signature=x');
    expect(checkWebhookUrl('http://127.0.0.1:5678/hook', [])).toBe('http://127.0.0.1:5678/hook');
  });

  it('refuses other schemes, credentials and garbage', () => {
    expect(() => checkWebhookUrl('ftp://example.com/x', [])).toThrow(/scheme ftp/);
    expect(() => checkWebhookUrl('file:///etc/passwd', [])).toThrow(WebhookUrlError);
    expect(() => checkWebhookUrl('https://user:pw@example.com/', [])).toThrow(/credentials/);
    expect(() => checkWebhookUrl('not a url', [])).toThrow(/not a valid absolute URL/);
  });

  it('restricts hosts to KAGE_WEBHOOK_ALLOWED_HOSTS when set', () => {
    const allowed = ['n8n.internal', 'LOCALHOST', '::1'];
    expect(checkWebhookUrl('http://n8n.internal:5678/webhook/x', allowed)).toContain('n8n.internal');
    expect(checkWebhookUrl('http://localhost/x', allowed)).toContain('localhost');
    expect(checkWebhookUrl('http://[::1]:80/x', allowed)).toContain('[::1]');
    expect(() => checkWebhookUrl('https://evil.example.com/', allowed)).toThrow(/host evil.example.com is not in KAGE_WEBHOOK_ALLOWED_HOSTS/);
    expect(() => checkWebhookUrl('https://n8n.internal.evil.com/', allowed)).toThrow(WebhookUrlError);
  });
});
