import { describe, expect, it } from 'vitest';
import { checkedAddresses, pinnedLookup, RefusedAddressError } from '../../../service/src/webhooks/webhook-address.ts';
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
    'http://metadata.google.internal./computeMetadata/v1/',
    'http://[::a9fe:a9fe]/',
    'http://[64:ff9b::a9fe:a9fe]/',
    'http://[2002:a9fe:a9fe::1]/',
    'http://[::ffff:0:a9fe:a9fe]/',
    'http://100.100.100.200/latest/meta-data/',
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
    await expect(checkedAddresses('localhost', 'deny')).rejects.toThrow(/localhost resolves to .*loopback/);
    expect((await checkedAddresses('localhost', 'allow')).length).toBeGreaterThan(0);
    const answers = (addresses: string[]) => async () => addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    // One bad answer among good ones refuses the host: the socket might pick it.
    await expect(checkedAddresses('n8n.example', 'allow', answers(['127.0.0.1', '::a9fe:a9fe']))).rejects.toThrow(RefusedAddressError);
    await expect(checkedAddresses('n8n.example', 'allow', answers(['100.100.100.200']))).rejects.toThrow(/n8n\.example resolves to 100\.100\.100\.200 .*Alibaba/);
  });

  it('hands a connecting socket only the addresses it checked, in either lookup form', async () => {
    const lookupOnce = (answers: string[], options: { all?: boolean; family?: number }) =>
      new Promise<unknown>((resolve, reject) => {
        const lookup = pinnedLookup('allow', async () => answers.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })));
        lookup('n8n.example', options, (error: Error | null, address: unknown, family?: number) => (error ? reject(error) : resolve(options.all ? address : [address, family])));
      });
    expect(await lookupOnce(['127.0.0.1', '::1'], { all: true })).toEqual([{ address: '127.0.0.1', family: 4 }, { address: '::1', family: 6 }]);
    expect(await lookupOnce(['127.0.0.1', '::1'], { family: 6 })).toEqual(['::1', 6]);
    await expect(lookupOnce(['127.0.0.1', '169.254.169.254'], { all: true })).rejects.toThrow(RefusedAddressError);
  });
});
