/**
 * Scopes are declared where each route is defined, and the API is closed by default: a route
 * that declares none cannot be registered, and a key without a route's scope gets a 403 naming it.
 */
import { describe, expect, it } from 'vitest';
import { type ApiDeps, createApi } from '../../../service/src/api/api-app.ts';
import { registerApiRoutes } from '../../../service/src/api/api-routes.ts';
import { declaredScopes, needs } from '../../../service/src/api/route-access.ts';
import type { KeyRing } from '../../../service/src/access/key-ring.ts';
import type { Scope } from '../../../service/src/access/scopes.ts';

type Api = Parameters<ApiDeps['routes']>[0];

const reader = { keyId: 'r', name: 'reader', scopes: ['tasks:read'] };
const keys = { bySecret: async () => reader, byId: async () => reader } as unknown as KeyRing;
const api = (routes: (api: Api) => void) => createApi({ keys, tasks: { ownerOf: async () => undefined }, rateLimitPerMinute: 1000, routes });
const ok = (c: { json: (body: unknown) => Response }) => c.json({ ok: true });
const route = (path: string, scope?: Scope) => ({ method: 'get' as const, path, ...(scope ? needs(scope) : {}), responses: { 200: { description: 'ok' } } });

describe('route access', () => {
  it('refuses to build an API with a route that declares no scope, naming it', () => {
    expect(() => api((app) => app.openapi(route('/forgotten'), ok as never))).toThrow(/without a declared scope.*GET \/forgotten/);
    expect(() => api((app) => app.get('/plain', ok as never))).toThrow(/GET \/plain/);
  });

  it('every route of the real API declares one', () => {
    // Handlers never run here: the route modules are only registered.
    const real = api((app) => registerApiRoutes(app, new Proxy({}, { get: () => ({}) }) as never));
    const routes = declaredScopes(real);
    expect(routes.length).toBeGreaterThan(30);
    expect(routes.find((entry) => entry.method === 'POST' && entry.path === '/tasks/:id/merge')?.scope).toBe('merge');
  });

  it('lets a key through with the declared scope; without it, a 403 that names the scope', async () => {
    const app = api((routes) => {
      routes.openapi(route('/readable', 'tasks:read'), ok as never);
      routes.openapi(route('/mergeable', 'merge'), ok as never);
    });
    app.onError((error, c) => c.json({ code: (error as { code?: string }).code, message: error.message }, 403));
    const get = (path: string) => app.request(path, { headers: { 'x-api-key': 'reader-key-0123456789' } });
    expect((await get('/readable')).status).toBe(200);
    const refused = await get('/mergeable');
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ code: 'missing_scope', message: expect.stringMatching(/lacks the scope merge/) });
  });
});
