/**
 * API keys with scopes, through the whole API: every route × every scope (the table below is
 * written by hand, not taken from the service, and every route in /openapi.json must be in it),
 * tasks invisible across keys, and what a key may be limited to.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { makeTempDir } from '../../support/git-repo.ts';
import { TEST_API_KEY } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

const scopes = ['tasks:read', 'tasks:read-all', 'tasks:write', 'merge', 'webhooks', 'metrics', 'admin'] as const;
type Scope = (typeof scopes)[number];

const expectedScopes: Record<string, Scope> = {
  'GET /agents': 'tasks:read',
  'POST /git-credentials': 'admin',
  'GET /git-credentials': 'admin',
  'GET /git-credentials/{name}': 'admin',
  'DELETE /git-credentials/{name}': 'admin',
  'POST /keys': 'admin',
  'GET /keys': 'admin',
  'DELETE /keys/{id}': 'admin',
  'GET /tasks/{id}/events': 'tasks:read',
  'GET /tasks/{id}/progress': 'tasks:read',
  'GET /task-changes': 'tasks:read',
  'POST /tasks/{id}/attempts/{label}/follow-up': 'tasks:write',
  'GET /tasks/{id}/conflicts': 'tasks:read',
  'POST /tasks/{id}/merge': 'merge',
  'GET /tasks/{id}/merges': 'tasks:read',
  'GET /tasks/{id}/diff': 'tasks:read',
  'POST /tasks/{id}/discard': 'merge',
  'POST /tasks/{id}/pull-request': 'merge',
  'POST /tasks/{id}/push': 'merge',
  'POST /tasks': 'tasks:write',
  'GET /tasks': 'tasks:read',
  'GET /tasks/stats': 'tasks:read-all',
  'GET /agents/stats': 'tasks:read',
  'GET /tasks/{id}': 'tasks:read',
  'DELETE /tasks/{id}': 'tasks:write',
  'POST /tasks/{id}/callbacks': 'webhooks',
  'DELETE /tasks/{id}/callbacks/{callbackId}': 'webhooks',
  'GET /tasks/{id}/callbacks': 'webhooks',
  'GET /tasks/{id}/deliveries': 'webhooks',
  'POST /subscriptions': 'webhooks',
  'GET /subscriptions': 'webhooks',
  'GET /subscriptions/{id}': 'webhooks',
  'DELETE /subscriptions/{id}': 'webhooks',
  'POST /admin/drain': 'admin',
  'GET /instances': 'admin',
};

const grants = (held: Scope, needed: Scope) => held === needed || held === 'admin' || (held === 'tasks:read-all' && needed === 'tasks:read');

describe.each(driverKinds)('scoped API keys on %s', (kind) => {
  const as = (secret: string, path: string, init: { method?: string; json?: unknown } = {}) =>
    fixture.service.request(path, { ...init, headers: { 'x-api-key': secret } });
  const makeKey = async (body: Record<string, unknown>): Promise<{ id: string; secret: string }> => {
    const response = await fixture.service.request('/api/v1/keys', { method: 'POST', json: body });
    expect(response.status, JSON.stringify(await response.clone().json())).toBe(201);
    return (await response.json()) as { id: string; secret: string };
  };
  const submitAs = (secret: string, overrides: Record<string, unknown> = {}) =>
    as(secret, '/api/v1/tasks', {
      method: 'POST',
      json: { description: 'scoped', repository: { path: fixture.repo.path }, agents: [{ agent: 'command', command: ['true'] }], ...overrides },
    });

  const fixture = serviceWithRepo({ kind, workers: 0 });

  it('asks each route for its scope, and names the missing one in a 403', async () => {
    const spec = (await (await fixture.service.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const routes = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/v1/'))
      .flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path.slice('/api/v1'.length)}`));
    expect(routes.sort()).toEqual(Object.keys(expectedScopes).sort());

    const keyFor = new Map<Scope, string>();
    for (const scope of scopes) keyFor.set(scope, (await makeKey({ name: `only ${scope}`, scopes: [scope] })).secret);
    const task = (await (await submitAs(TEST_API_KEY)).json()) as { id: string };
    const params: Record<string, string> = { id: task.id, label: 'command-1', callbackId: randomUUID(), name: 'no-such-credential' };
    for (const route of routes) {
      const [method, template] = route.split(' ') as [string, string];
      const path = template
        .replace('/keys/{id}', '/keys/0123456789abcdef')
        .replace('/subscriptions/{id}', `/subscriptions/${randomUUID()}`)
        .replace(/\{(\w+)\}/g, (_, name: string) => params[name]!);
      for (const held of scopes) {
        const response = await as(keyFor.get(held)!, `/api/v1${path}`, method === 'POST' ? { method, json: {} } : { method });
        const body = response.headers.get('content-type')?.includes('json') ? ((await response.json()) as { error?: { code: string; details?: { scope?: string } } }) : undefined;
        await response.body?.cancel().catch(() => {});
        const needed = expectedScopes[route]!;
        if (grants(held, needed)) {
          expect(body?.error?.code, `${route} with ${held}`).not.toBe('missing_scope');
        } else {
          expect(response.status, `${route} with ${held}`).toBe(403);
          expect(body?.error, `${route} with ${held}`).toMatchObject({ code: 'missing_scope', details: { scope: needed } });
        }
      }
    }
  });

  it("keeps each key's tasks to itself, unless a key may read them all", async () => {
    const alice = await makeKey({ name: 'alice', scopes: ['tasks:read', 'tasks:write', 'webhooks'] });
    const bob = await makeKey({ name: 'bob', scopes: ['tasks:read', 'tasks:write'] });
    const auditor = await makeKey({ name: 'auditor', scopes: ['tasks:read-all'] });
    const submitted = await submitAs(alice.secret);
    expect(submitted.status).toBe(202);
    const task = (await submitted.json()) as { id: string; createdBy: string };
    expect(task.createdBy).toBe(alice.id);

    for (const path of [`/api/v1/tasks/${task.id}`, `/api/v1/tasks/${task.id}/events`, `/api/v1/tasks/${task.id}/diff`]) {
      expect((await as(bob.secret, path)).status, path).toBe(404);
    }
    expect((await as(bob.secret, `/api/v1/tasks/${task.id}`, { method: 'DELETE' })).status).toBe(404);
    const bobsList = (await (await as(bob.secret, '/api/v1/tasks?pageSize=100')).json()) as { items: { id: string }[]; total: number };
    expect(bobsList.items.map((t) => t.id)).not.toContain(task.id);
    const alicesList = (await (await as(alice.secret, '/api/v1/tasks?pageSize=100')).json()) as { items: { id: string; createdBy: string }[] };
    expect(alicesList.items.map((t) => t.id)).toEqual([task.id]);
    expect((await as(auditor.secret, `/api/v1/tasks/${task.id}`)).status).toBe(200);

    // A subscription made by a key that sees only its own tasks hears of those only.
    const subscription = await as(alice.secret, '/api/v1/subscriptions', { method: 'POST', json: { url: 'http://127.0.0.1:9/hook', events: ['task.completed'] } });
    const made = (await subscription.json()) as { id: string; filter: { ownTasksOnly: boolean } };
    expect(made.filter.ownTasksOnly).toBe(true);
    // And it is hers: another key of the same scopes neither lists, reads nor deletes it; an admin does.
    const carol = await makeKey({ name: 'carol', scopes: ['webhooks'] });
    const listed = (await (await as(carol.secret, '/api/v1/subscriptions')).json()) as { items: { id: string }[] };
    expect(listed.items.map((item) => item.id)).not.toContain(made.id);
    expect((await as(carol.secret, `/api/v1/subscriptions/${made.id}`)).status).toBe(404);
    expect((await as(carol.secret, `/api/v1/subscriptions/${made.id}`, { method: 'DELETE' })).status).toBe(404);
    expect((await as(alice.secret, `/api/v1/subscriptions/${made.id}`)).status).toBe(200);
    const adminList = (await (await fixture.service.request('/api/v1/subscriptions')).json()) as { items: { id: string }[] };
    expect(adminList.items.map((item) => item.id)).toContain(made.id);
  });

  it('holds a key to its agents and repository roots', async () => {
    const noCommand = await makeKey({ name: 'no command', scopes: ['tasks:write'], allowedAgents: ['claude', 'codex'] });
    const refused = await submitAs(noCommand.secret);
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'agent_not_allowed', message: expect.stringContaining('may not run command') });

    const elsewhere = await makeTempDir('kage-key-root-');
    const rooted = await makeKey({ name: 'rooted', scopes: ['tasks:write'], repositoryRoots: [elsewhere] });
    const outside = await submitAs(rooted.secret);
    expect(outside.status).toBe(403);
    expect(((await outside.json()) as { error: { code: string } }).error.code).toBe('repository_not_allowed');
    const inside = await makeKey({ name: 'rooted here', scopes: ['tasks:write'], repositoryRoots: [fixture.repo.path] });
    expect((await submitAs(inside.secret)).status).toBe(202);
  });

  it('shows a secret once, stores none, and stops a revoked or expired key', async () => {
    const key = await makeKey({ name: 'short-lived', scopes: ['tasks:read'] });
    expect(key.secret).toMatch(/^kb_/);
    const listed = JSON.stringify(await (await fixture.service.request('/api/v1/keys')).json());
    expect(listed).toContain(key.id);
    expect(listed).not.toContain(key.secret);
    const stored = JSON.stringify(await fixture.service.services.db.query('SELECT * FROM api_keys'));
    expect(stored).not.toContain(key.secret);

    expect((await as(key.secret, '/api/v1/tasks')).status).toBe(200);
    expect((await fixture.service.request(`/api/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await as(key.secret, '/api/v1/tasks')).status).toBe(401);

    const past = await fixture.service.request('/api/v1/keys', { method: 'POST', json: { name: 'past', scopes: ['tasks:read'], expiresAt: '2020-01-01T00:00:00Z' } });
    expect(past.status).toBe(400);
    const expiring = await makeKey({ name: 'expiring', scopes: ['tasks:read'], expiresAt: new Date(Date.now() + 1500).toISOString() });
    expect((await as(expiring.secret, '/api/v1/tasks')).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 1700));
    expect((await as(expiring.secret, '/api/v1/tasks')).status).toBe(401);
  });
});
