/**
 * The review pages' sessions as a browser meets them, without the browser: logging in trades an
 * API key for an HttpOnly, SameSite=Strict cookie; the cookie reads the API; a change made
 * with it must come from our own origin; logging out (or the key's removal) ends it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { driverKinds } from '../../support/databases.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

const ownOrigin = 'http://localhost';

describe.each(driverKinds)('review-page sessions on %s', (kind) => {
  let service: TestService;
  const app = () => service.services.app;
  const login = (key: string, headers: Record<string, string> = { origin: ownOrigin }, next = '/ui') =>
    app().request('/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams({ key, next }).toString(),
    });
  const sessionCookie = async (): Promise<string> => {
    const response = await login(TEST_API_KEY);
    expect(response.status).toBe(303);
    return response.headers.get('set-cookie')!.split(';')[0]!;
  };

  beforeAll(async () => {
    service = await startTestService({ kind, workers: 0 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('sends a reader without a session to the login form, and back after it', async () => {
    const page = await app().request('/ui/tasks/new');
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toBe('/ui/login?next=%2Fui%2Ftasks%2Fnew');
    const form = await app().request('/ui/login?next=%2Fui%2Ftasks%2Fnew');
    expect(await form.text()).toContain('name="next" value="/ui/tasks/new"');
    expect(form.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('sets an HttpOnly, SameSite=Strict, expiring cookie for a right key, and refuses a wrong one', async () => {
    const wrong = await login('not-a-key');
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('not an API key this service accepts');
    expect(wrong.headers.get('set-cookie')).toBeNull();

    const right = await login(TEST_API_KEY, { origin: ownOrigin }, '/ui/tasks/new');
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/ui/tasks/new');
    const cookie = right.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^kage_session=[\w-]{43}; /);
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Strict/);
    expect(cookie).toMatch(/; Expires=/);
    expect(cookie).not.toContain(TEST_API_KEY);
    expect(cookie).not.toMatch(/; Secure/); // plain http on loopback: a Secure cookie would never come back
  });

  it('goes only to our own pages after logging in', async () => {
    for (const next of ['//evil.example/ui', 'https://evil.example/', '/ui/../api/v1/tasks', '/\\evil.example']) {
      const response = await login(TEST_API_KEY, { origin: ownOrigin }, next);
      expect(response.headers.get('location'), next).toBe('/ui');
    }
  });

  it('reads the API with the cookie, and changes it only from our own origin', async () => {
    const cookie = await sessionCookie();
    const list = await app().request('/api/v1/tasks', { headers: { cookie } });
    expect(list.status).toBe(200);
    const body = { url: 'http://127.0.0.1:9/hook', events: ['task.completed'] };
    const json = { 'content-type': 'application/json', cookie };
    for (const headers of [json, { ...json, origin: 'http://127.0.0.1:9999' }, { ...json, origin: 'null' }, { ...json, 'sec-fetch-site': 'same-site' }]) {
      const refused = await app().request('/api/v1/subscriptions', { method: 'POST', headers, body: JSON.stringify(body) });
      expect(refused.status, JSON.stringify(headers)).toBe(403);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('cross_site_request');
    }
    const allowed = await app().request('/api/v1/subscriptions', { method: 'POST', headers: { ...json, origin: ownOrigin }, body: JSON.stringify(body) });
    expect(allowed.status).toBe(201);
    // An API key needs no Origin: n8n and curl send none.
    const keyed = await service.request('/api/v1/subscriptions', { method: 'POST', json: body });
    expect(keyed.status).toBe(201);
  });

  it('answers a task page of a malformed id with 404, only once signed in', async () => {
    expect((await app().request('/ui/tasks/not-a-task')).status).toBe(303);
    const cookie = await sessionCookie();
    const page = await app().request('/ui/tasks/not-a-task', { headers: { cookie } });
    expect(page.status).toBe(404);
    expect(await page.text()).toContain('No such task');
  });

  it('refuses a login posted from another site', async () => {
    const response = await login(TEST_API_KEY, { origin: 'http://evil.example' });
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
  });

  it('ends the session on logout', async () => {
    const cookie = await sessionCookie();
    const logout = await app().request('/ui/logout', { method: 'POST', headers: { cookie, origin: ownOrigin } });
    expect(logout.status).toBe(303);
    expect(logout.headers.get('set-cookie')).toMatch(/^kage_session=; Max-Age=0/);
    const after = await app().request('/api/v1/tasks', { headers: { cookie } });
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { message: string } }).error.message).toContain('log in again');
  });

  it('ends the sessions of a key the service no longer accepts', async () => {
    const cookie = await sessionCookie();
    // A second instance on the same database, configured with another key; it leaves the database open for the first.
    const shared = Object.assign(Object.create(service.services.db) as Db, { close: async () => {} });
    const restarted = await startTestService({ kind, workers: 0, db: shared, env: { API_KEYS: 'another-key-0123456789' } });
    try {
      const response = await restarted.services.app.request('/api/v1/tasks', { headers: { cookie } });
      expect(response.status).toBe(401);
    } finally {
      await restarted.stop();
    }
  });
});
