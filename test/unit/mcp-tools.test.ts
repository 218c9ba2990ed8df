/**
 * Each MCP tool names the scope it needs; it must be the one the REST route it calls needs
 * (route-scopes.ts), so a tool can neither open nor close more than the API does.
 */
import { describe, expect, it } from 'vitest';
import { scopeFor } from '../../service/src/api/route-scopes.ts';
import { requestOf, tools } from '../../service/src/mcp/tools.ts';

describe('MCP tools', () => {
  it.each(tools.map((tool) => [tool.name, tool] as const))("%s declares its route's scope", (_, tool) => {
    const sample = tool.path.replace(':id', '0b8e4a5e-1f43-4d7e-9a59-3d1b2c4e5f60').replace(':label', 'command-1');
    expect(tool.scope).toBe(scopeFor(tool.method, sample));
  });

  it('fills path parts from the arguments and sends the rest as the body or the query', () => {
    const merge = tools.find((tool) => tool.name === 'merge_task')!;
    expect(requestOf(merge, { id: 'abc', agent: 'best', allowUnverified: true })).toEqual({ path: '/tasks/abc/merge', body: { agent: 'best', allowUnverified: true } });
    const diff = tools.find((tool) => tool.name === 'get_diff')!;
    expect(requestOf(diff, { id: 'a/b', agent: 'claude-1' })).toEqual({ path: '/tasks/a%2Fb/diff?agent=claude-1', body: undefined });
    expect(requestOf(diff, { id: 'abc', agent: undefined })).toEqual({ path: '/tasks/abc/diff', body: undefined });
  });
});
