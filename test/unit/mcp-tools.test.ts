/**
 * Each MCP tool names the scope it needs; it must be the one the REST route it calls needs
 * (declared at the route: route-access.ts), so a tool can neither open nor close more than the API does.
 */
import { describe, expect, it } from 'vitest';
import type { KeyRing } from '../../service/src/access/key-ring.ts';
import { createApi } from '../../service/src/api/api-app.ts';
import { registerApiRoutes } from '../../service/src/api/api-routes.ts';
import { declaredScopes } from '../../service/src/api/route-access.ts';
import { requestOf, tools } from '../../service/src/mcp/tools.ts';

// Handlers never run here: the route modules are only registered, to read their scopes.
const stub = new Proxy({}, { get: () => ({}) }) as never;
const routes = declaredScopes(createApi({ keys: {} as KeyRing, tasks: stub, rateLimitPerMinute: 1, routes: (api) => registerApiRoutes(api, stub) }));
const scopeFor = (method: string, path: string) => routes.find((route) => route.method === method && route.path === path)?.scope;

describe('MCP tools', () => {
  it.each(tools.map((tool) => [tool.name, tool] as const))("%s declares its route's scope", (_, tool) => {
    expect(tool.scope).toBe(scopeFor(tool.method, tool.path));
  });

  it('fills path parts from the arguments and sends the rest as the body or the query', () => {
    const merge = tools.find((tool) => tool.name === 'merge_task')!;
    expect(requestOf(merge, { id: 'abc', agent: 'best', allowUnverified: true })).toEqual({ path: '/tasks/abc/merge', body: { agent: 'best', allowUnverified: true } });
    const diff = tools.find((tool) => tool.name === 'get_diff')!;
    expect(requestOf(diff, { id: 'a/b', agent: 'claude-1' })).toEqual({ path: '/tasks/a%2Fb/diff?agent=claude-1', body: undefined });
    expect(requestOf(diff, { id: 'abc', agent: undefined })).toEqual({ path: '/tasks/abc/diff', body: undefined });
  });
});
