import { describe, expect, it } from 'vitest';
import { refusedHost } from '../../../service/src/webhooks/webhook-address.ts';
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

describe('webhook target addresses', () => {
  it.each([
    'http://169.254.169.254/latest/meta-data',
    'http://2852039166/',
    'http://0xa9fea9fe/',
    'http://[::ffff:169.254.169.254]/',
    'http://0.0.0.0:5678/',
    'http://[fe80::1]/',
    'http://[::]/',
    'http://metadata.google.internal/computeMetadata/v1/',
  ])('always refuses link-local, metadata and reserved targets: %s', (url) => {
    expect(() => checkWebhookUrl(url, [], 'allow')).toThrow(WebhookUrlError);
  });

  it.each(['http://127.0.0.1:5678/webhook', 'http://[::1]/', 'http://10.0.0.7/', 'http://192.168.1.20/', 'http://172.20.0.3/', 'http://0x7f000001/'])(
    'refuses loopback and private targets unless allowed: %s',
    (url) => {
      expect(() => checkWebhookUrl(url, [], 'deny')).toThrow(/KAGE_WEBHOOK_PRIVATE_TARGETS=allow/);
      expect(() => checkWebhookUrl(url, [], 'allow')).not.toThrow();
    },
  );

  it('checks a host name by the addresses it resolves to, at send time', async () => {
    expect(await refusedHost('localhost', 'deny')).toMatch(/localhost resolves to .*loopback/);
    expect(await refusedHost('localhost', 'allow')).toBeUndefined();
    expect(await refusedHost('93.184.216.34', 'deny')).toBeUndefined();
  });
});
