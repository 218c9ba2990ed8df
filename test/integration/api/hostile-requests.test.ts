/**
 * Requests an attacker would send: JSON nested until the stack runs out, and guesses at API keys
 * (through the API, /metrics and the login form) from one address. Neither touches the database
 * in a way the driver changes, so PGlite alone.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { AUTH_FAILURES_PER_MINUTE } from '../../../service/src/api/middleware/rate-limit.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

let service: TestService | undefined;
afterEach(async () => {
  await service?.stop();
  service = undefined;
});

describe('deeply nested JSON', () => {
  it('answers 400 naming the depth limit, on every route that takes a body', async () => {
    service = await startTestService({ kind: 'pglite', workers: 0 });
    const bodies = ['['.repeat(10_000) + ']'.repeat(10_000), '{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000), `{"description":${'['.repeat(65)}${']'.repeat(65)}}`];
    for (const path of ['/api/v1/tasks', '/api/v1/subscriptions', '/api/v1/keys', '/api/v1/git-credentials']) {
      for (const body of bodies) {
        const response = await service.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        expect(response.status, `${path} ${body.slice(0, 20)}`).toBe(400);
        expect((await response.json()).error).toMatchObject({ code: 'json_too_deep', message: expect.stringContaining('more than 64 deep') });
      }
    }
    // 64 deep is still a body (refused by the schema, not by its depth); brackets in strings do not count.
    const deepest = await service.request('/api/v1/subscriptions', { method: 'POST', json: { url: 'http://127.0.0.1:9/hook', events: ['task.completed'], filter: JSON.parse('['.repeat(63) + ']'.repeat(63)) } });
    expect((await deepest.json()).error.code).not.toBe('json_too_deep');
    const brackets = await service.request('/api/v1/subscriptions', { method: 'POST', json: { url: `http://127.0.0.1:9/${'['.repeat(100)}`, events: ['task.completed'] } });
    expect(brackets.status).toBe(201);
  });
});

describe('failed authentication from one address', () => {
  const get = (path: string, key?: string) => fetch(`${service!.url}${path}`, { headers: key ? { 'x-api-key': key } : {} });
  const login = (key: string) =>
    fetch(`${service!.url}/ui/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: service!.url },
      body: new URLSearchParams({ key, next: '/ui' }).toString(),
    });

  it(`locks the address out after ${AUTH_FAILURES_PER_MINUTE} wrong keys: 429 with Retry-After, even for the right key, in the API, /metrics and the login form`, async () => {
    service = await startTestService({ kind: 'pglite', workers: 0, listen: true });
    // Successes are not counted: a busy client with the right key is never throttled by this.
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE + 20; i += 1) expect((await get('/api/v1/tasks', TEST_API_KEY)).status).toBe(200);
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE + 5; i += 1) statuses.push((await get('/api/v1/tasks', `wrong-key-${i}`)).status);
    expect(statuses).toEqual([...new Array(AUTH_FAILURES_PER_MINUTE).fill(401), ...new Array(5).fill(429)]);

    const locked = await get('/api/v1/tasks', TEST_API_KEY);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(locked.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(((await locked.json()) as { error: unknown }).error).toMatchObject({ code: 'too_many_failed_authentications', message: expect.stringMatching(/try again in \d+ s/) });
    expect((await get('/metrics', TEST_API_KEY)).status).toBe(429);
    const page = await login(TEST_API_KEY);
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await page.text()).toMatch(/Too many failed logins from your address\. Try again in \d+ seconds\./);
    // Unauthenticated routes stay open.
    expect((await get('/health')).status).toBe(200);
  });

  it('counts wrong logins in the form, and they lock the API out too', async () => {
    service = await startTestService({ kind: 'pglite', workers: 0, listen: true });
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE; i += 1) expect((await login(`wrong-key-${i}`)).status).toBe(401);
    expect((await login('wrong-key-again')).status).toBe(429);
    expect((await get('/api/v1/tasks', TEST_API_KEY)).status).toBe(429);
  });
});
