import { describe, expect, it } from 'vitest';
import { whereToGo } from '../../service/src/web/where-to-go.ts';

describe('whereToGo: what the start-up says', () => {
  it('names the pages, the docs and the key file, with an IPv6 host in brackets', () => {
    const where = whereToGo('https', '::1', 8443, '/data/api-key');
    expect(where.fields).toEqual({ url: 'https://[::1]:8443', ui: 'https://[::1]:8443/ui', docs: 'https://[::1]:8443/docs', apiKeyFile: '/data/api-key' });
    expect(where.text).toContain('review pages  https://[::1]:8443/ui');
    expect(where.text).toContain('API key       kept in /data/api-key');
  });

  it('names no file when the keys come from API_KEYS', () => {
    const where = whereToGo('http', '127.0.0.1', 8000, undefined);
    expect(where.fields).not.toHaveProperty('apiKeyFile');
    expect(where.text).toContain('API key       one of API_KEYS');
  });
});
