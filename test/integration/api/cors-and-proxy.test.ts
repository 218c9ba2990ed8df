/**
 * KAGE_CORS_ORIGINS as a browser meets it (preflights and answers, never credentials, the review
 * pages' same-origin rule untouched), and KAGE_TRUST_PROXY: X-Forwarded-Proto counts only when
 * the proxy in front is trusted (Secure cookie, Strict-Transport-Security).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../service/src/config.ts';
import { driverKinds } from '../../support/databases.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

const allowed = 'https://app.example.com';
const other = 'https://evil.example.com';

const preflight = (service: TestService, origin: string, method = 'POST') =>
  service.services.app.request('/api/v1/tasks', {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'x-api-key, content-type' },
  });

const login = (service: TestService, headers: Record<string, string>) =>
  service.services.app.request('/ui/login', {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost', ...headers },
    body: new URLSearchParams({ key: TEST_API_KEY, next: '/ui' }).toString(),
  });

describe.each(driverKinds)('CORS and a trusted proxy on %s', (kind) => {
  let open: TestService;
  let closed: TestService;

  beforeAll(async () => {
    open = await startTestService({ kind, workers: 0, env: { KAGE_CORS_ORIGINS: `${allowed}, http://localhost:5678`, KAGE_TRUST_PROXY: 'true' } });
    closed = await startTestService({ kind, workers: 0 });
  });
  afterAll(async () => {
    await open?.stop();
    await closed?.stop();
  });

  it('answers a preflight from a listed origin, with the key header allowed and no credentials', async () => {
    const response = await preflight(open, allowed);
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    expect(response.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('x-api-key');
    expect(response.headers.get('access-control-allow-credentials')).toBeNull();
    expect(response.headers.get('access-control-max-age')).toBe('600');
    expect(response.headers.get('vary')).toContain('Origin');
  });

  it('gives an origin not listed, and every origin by default, no CORS answer', async () => {
    for (const [service, origin] of [[open, other], [open, `${allowed}.evil.example`], [open, 'null'], [closed, allowed]] as const) {
      const response = await preflight(service, origin);
      expect(response.headers.get('access-control-allow-origin'), origin).toBeNull();
      expect(response.headers.get('access-control-allow-credentials'), origin).toBeNull();
    }
    const answer = await closed.request('/api/v1/tasks', { headers: { origin: allowed } });
    expect(answer.status).toBe(200);
    expect(answer.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets a listed page read answers (errors included), never with credentials', async () => {
    const listed = await open.request('/api/v1/tasks', { headers: { origin: allowed } });
    expect(listed.status).toBe(200);
    expect(listed.headers.get('access-control-allow-origin')).toBe(allowed);
    expect(listed.headers.get('access-control-allow-credentials')).toBeNull();
    expect(listed.headers.get('access-control-expose-headers')).toContain('X-Request-Id');
    const refused = await open.services.app.request('/api/v1/tasks', { headers: { origin: allowed } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(allowed);
    const elsewhere = await open.request('/api/v1/tasks', { headers: { origin: other } });
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it("keeps the review pages' same-origin rule: a listed origin still cannot make changes with the session cookie", async () => {
    const cookie = (await login(open, {})).headers.get('set-cookie')!.split(';')[0]!;
    const response = await open.services.app.request('/api/v1/subscriptions', {
      method: 'POST',
      headers: { cookie, origin: allowed, 'content-type': 'application/json' },
      body: JSON.stringify({ url: 'http://127.0.0.1:9/hook', events: ['task.completed'] }),
    });
    expect(response.status).toBe(403);
    expect(((await response.json()) as { error: { code: string } }).error.code).toBe('cross_site_request');
  });

  it('believes X-Forwarded-Proto only from a trusted proxy: Secure cookie and Strict-Transport-Security', async () => {
    const trusted = await login(open, { 'x-forwarded-proto': 'https' });
    expect(trusted.headers.get('set-cookie')).toMatch(/; Secure/);
    expect((await open.request('/health', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBe('max-age=31536000');
    expect((await open.request('/health')).headers.get('strict-transport-security')).toBeNull();

    const untrusted = await login(closed, { 'x-forwarded-proto': 'https' });
    expect(untrusted.status).toBe(303);
    expect(untrusted.headers.get('set-cookie')).not.toMatch(/; Secure/);
    expect((await closed.request('/health', { headers: { 'x-forwarded-proto': 'https' } })).headers.get('strict-transport-security')).toBeNull();
  });
});

describe('KAGE_CORS_ORIGINS and TLS settings', () => {
  const problemsOf = (env: Record<string, string>) => {
    try {
      loadConfig({ KAGE_DATA_DIR: '/tmp/kage-config-test', ...env });
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  };

  it('takes exact origins only: no *, no path, no other scheme', () => {
    expect(problemsOf({ KAGE_CORS_ORIGINS: 'https://a.example, http://localhost:5678' })).toEqual([]);
    for (const value of ['*', 'https://*.example.com', 'https://a.example/', 'https://a.example/app', 'a.example', 'ftp://a.example']) {
      expect(problemsOf({ KAGE_CORS_ORIGINS: value }), value).toEqual([expect.stringMatching(/^KAGE_CORS_ORIGINS\.0: each must be an exact origin/)]);
    }
  });

  it('wants the certificate and its key together', () => {
    expect(problemsOf({ KAGE_TLS_CERT: '/x/cert.pem' })).toEqual([expect.stringContaining('set both')]);
    expect(problemsOf({ KAGE_TLS_KEY: '/x/key.pem' })).toEqual([expect.stringContaining('set both')]);
  });
});
