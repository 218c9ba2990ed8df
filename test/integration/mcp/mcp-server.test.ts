/**
 * The MCP server through the real service, with the SDK's own client over both transports:
 * Streamable HTTP at /mcp and stdio (`kage-bunshin mcp`, a child process calling the service over
 * HTTP). A task of two command attempts is submitted, followed with progress notifications,
 * and merged; a scoped key's limits hold because every tool goes through the REST API's checks.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { AUTH_FAILURES_PER_MINUTE } from '../../../service/src/api/middleware/rate-limit.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';

const cliPath = fileURLToPath(new URL('../../../service/src/cli.ts', import.meta.url));

type ToolAnswer = { isError?: boolean; structuredContent?: any; content: Array<{ type: string; text?: string }> };

describe.each(driverKinds)('MCP server on %s', (kind) => {
  let service: TestService;
  const clients: Client[] = [];

  const transports: Record<'http' | 'stdio', (key: string) => Transport> = {
    http: (key) => new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), { requestInit: { headers: { authorization: `Bearer ${key}` } } }),
    stdio: (key) =>
      new StdioClientTransport({
        command: process.execPath,
        args: [cliPath, 'mcp'],
        env: { PATH: process.env.PATH ?? '', KAGE_URL: service.url, KAGE_API_KEY: key },
        stderr: 'pipe',
      }),
  };
  const connect = async (via: 'http' | 'stdio', key = TEST_API_KEY): Promise<Client> => {
    const client = new Client({ name: 'kage-test', version: '1.0.0' });
    await client.connect(transports[via](key));
    clients.push(client);
    return client;
  };
  const call = (client: Client, name: string, args: Record<string, unknown>, onprogress?: (message: string) => void) =>
    client.callTool({ name, arguments: args }, undefined, {
      timeout: 120_000,
      onprogress: onprogress ? (progress) => onprogress(progress.message ?? '') : undefined,
    }) as Promise<ToolAnswer>;
  const makeKey = async (body: Record<string, unknown>): Promise<string> => {
    const response = await service.request('/api/v1/keys', { method: 'POST', json: body });
    expect(response.status).toBe(201);
    return ((await response.json()) as { secret: string }).secret;
  };
  const typoTask = (repo: TestRepo) => ({
    description: 'Fix the typo in greeting.txt',
    repository: { path: repo.path },
    agents: [
      { agent: 'command', command: ['sed', '-i', 's/wrold/word/', 'greeting.txt'] },
      { agent: 'command', command: ['sed', '-i', 's/wrold/world/', 'greeting.txt'] },
    ],
    verify: { command: ['grep', '-qx', 'Hello, world', 'greeting.txt'], protect: ['tests/**'] },
    budgetUsd: 5,
  });

  beforeAll(async () => {
    service = await startTestService({ kind, listen: true, workers: 2 });
  });
  afterAll(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await service?.stop();
  });

  it.each(['http', 'stdio'] as const)('submits, follows with progress, and merges over %s', async (via) => {
    const repo = await createTestRepo({ 'greeting.txt': 'Hello, wrold\n' });
    try {
      const client = await connect(via);
      const names = (await client.listTools()).tools.map((tool) => tool.name);
      expect(names).toEqual(
        expect.arrayContaining(['submit_task', 'get_task', 'wait_for_task', 'get_diff', 'merge_task', 'open_pull_request', 'follow_up', 'cancel_task', 'discard_task', 'list_agents']),
      );

      const submitted = await call(client, 'submit_task', typoTask(repo));
      expect(submitted.isError, JSON.stringify(submitted.content)).toBeFalsy();
      const id = submitted.structuredContent.id as string;

      const progress: string[] = [];
      const waited = await call(client, 'wait_for_task', { id, timeoutSeconds: 90 }, (message) => progress.push(message));
      expect(waited.isError, JSON.stringify(waited.content)).toBeFalsy();
      expect(waited.structuredContent.done).toBe(true);
      expect(waited.structuredContent.task).toMatchObject({ status: 'completed', winner: 'command-2', winnerPassedVerify: true });
      expect(progress).toEqual(expect.arrayContaining([expect.stringMatching(/^command-1 agent\.(started|completed)/), expect.stringMatching(/^task\.completed/)]));

      const diff = await call(client, 'get_diff', { id, agent: 'command-2' });
      expect(diff.structuredContent.patch).toContain('+Hello, world');

      // The attempt that failed verify is refused, as over REST.
      const refused = await call(client, 'merge_task', { id, agent: 'command-1' });
      expect(refused.isError).toBe(true);
      expect(refused.structuredContent.error.code).toBe('not_verified');

      const merged = await call(client, 'merge_task', { id, agent: 'best' });
      expect(merged.isError, JSON.stringify(merged.content)).toBeFalsy();
      expect(merged.structuredContent.status).toBe('merged');
      expect(await readFile(`${repo.path}/greeting.txt`, 'utf8')).toBe('Hello, world\n');

      const resource = await client.readResource({ uri: `kage://tasks/${id}/events` });
      const events = JSON.parse((resource.contents[0] as { text: string }).text) as { items: Array<{ type: string }> };
      expect(events.items.map((event) => event.type)).toContain('merge.completed');
    } finally {
      await repo.cleanup();
    }
  });

  it('follows up on an attempt and waits for the new round (the progress stream ends at the first round)', async () => {
    const repo = await createTestRepo({ 'greeting.txt': 'Hello, wrold\n' });
    try {
      const client = await connect('http');
      const id = (await call(client, 'submit_task', typoTask(repo))).structuredContent.id as string;
      expect((await call(client, 'wait_for_task', { id, timeoutSeconds: 90 })).structuredContent.done).toBe(true);
      const followed = await call(client, 'follow_up', { id, label: 'command-1', prompt: 'Say world, not word' });
      expect(followed.isError, JSON.stringify(followed.content)).toBeFalsy();
      const progress: string[] = [];
      const waited = await call(client, 'wait_for_task', { id, timeoutSeconds: 90 }, (message) => progress.push(message));
      expect(waited.structuredContent.done, JSON.stringify(progress)).toBe(true);
      expect(waited.structuredContent.task.status).toBe('completed');
      expect(progress).toEqual(expect.arrayContaining([expect.stringMatching(/^command-1 attempt\.follow_up/)]));
      expect(progress.filter((message) => message.startsWith('task.completed'))).toHaveLength(2);
    } finally {
      await repo.cleanup();
    }
  });

  it.each(['http', 'stdio'] as const)("holds a scoped key's limits over %s", async (via) => {
    const repo = await createTestRepo({ 'greeting.txt': 'Hello, wrold\n' });
    const elsewhere = await makeTempDir('kage-mcp-other-root-');
    try {
      const noMerge = await connect(via, await makeKey({ name: 'no merge', scopes: ['tasks:read', 'tasks:write'] }));
      const submitted = await call(noMerge, 'submit_task', typoTask(repo));
      expect(submitted.isError, JSON.stringify(submitted.content)).toBeFalsy();
      const id = submitted.structuredContent.id as string;
      expect((await call(noMerge, 'wait_for_task', { id, timeoutSeconds: 90 })).structuredContent.done).toBe(true);
      const merge = await call(noMerge, 'merge_task', { id });
      expect(merge.isError).toBe(true);
      expect(merge.structuredContent.error).toMatchObject({ status: 403, code: 'missing_scope' });
      expect(merge.content[0]?.text).toContain('merge');
      expect(await readFile(`${repo.path}/greeting.txt`, 'utf8')).toBe('Hello, wrold\n');

      const otherRoot = await connect(via, await makeKey({ name: 'other root', scopes: ['tasks:read', 'tasks:write', 'merge'], repositoryRoots: [elsewhere] }));
      const outside = await call(otherRoot, 'submit_task', typoTask(repo));
      expect(outside.isError).toBe(true);
      expect(outside.structuredContent.error).toMatchObject({ status: 403, code: 'repository_not_allowed' });
      // Nor may it read or merge another key's task: it is not there for it.
      const foreign = await call(otherRoot, 'merge_task', { id });
      expect(foreign.structuredContent.error).toMatchObject({ status: 404 });
    } finally {
      await repo.cleanup();
    }
  });
});

type JsonSchema = { properties?: Record<string, JsonSchema & { enum?: unknown[] }>; required?: string[]; $ref?: string };

describe('MCP over HTTP: keys and schemas', () => {
  let service: TestService;
  beforeAll(async () => {
    service = await startTestService({ kind: 'pglite', listen: true, workers: 0 });
  });
  afterAll(async () => {
    await service?.stop();
  });

  it('answers 401, and a wrong key too; a session cookie is not a key here', async () => {
    const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } } };
    const post = (headers: Record<string, string>) =>
      fetch(`${service.url}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });
    expect((await post({})).status).toBe(401);
    expect((await post({ authorization: 'Bearer wrong-key-0123456789' })).status).toBe(401);
    expect((await post({ cookie: 'kage_session=anything' })).status).toBe(401);
    expect((await post({ 'x-api-key': TEST_API_KEY })).status).toBe(200);
  });

  it("gives each tool the REST API's own input schema (the body, plus the path's parts)", async () => {
    const spec = (await (await service.request('/openapi.json')).json()) as {
      components: { schemas: Record<string, JsonSchema> };
      paths: Record<string, Record<string, { parameters?: Array<{ name: string; in: string }> }>>;
    };
    const client = new Client({ name: 'kage-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${service.url}/mcp`), { requestInit: { headers: { 'x-api-key': TEST_API_KEY } } }));
    try {
      const listed = new Map((await client.listTools()).tools.map((tool) => [tool.name, tool.inputSchema as JsonSchema]));
      const shapeOf = (schema: JsonSchema | undefined) => ({
        properties: Object.fromEntries(Object.entries(schema?.properties ?? {}).map(([name, property]) => [name, property.enum ?? property.$ref ?? 'value'])),
        required: [...(schema?.required ?? [])].sort(),
      });
      // A $ref in the OpenAPI document is an inline schema in the tool's: compare names, enums and what is required.
      const normalise = (shape: ReturnType<typeof shapeOf>) => ({
        properties: Object.fromEntries(Object.entries(shape.properties).map(([name, value]) => [name, Array.isArray(value) ? value : 'value'])),
        required: shape.required,
      });
      const withPathParts = (component: string, parts: string[]) => {
        const shape = shapeOf(spec.components.schemas[component]);
        return normalise({ properties: { ...shape.properties, ...Object.fromEntries(parts.map((part) => [part, 'value'])) }, required: [...shape.required, ...parts].sort() });
      };
      expect(normalise(shapeOf(listed.get('submit_task')))).toEqual(withPathParts('SubmitTask', []));
      expect(normalise(shapeOf(listed.get('merge_task')))).toEqual(withPathParts('MergeRequest', ['id']));
      expect(normalise(shapeOf(listed.get('open_pull_request')))).toEqual(withPathParts('PullRequestRequest', ['id']));
      expect(normalise(shapeOf(listed.get('follow_up')))).toEqual(withPathParts('FollowUp', ['id', 'label']));
      const diffParameters = spec.paths['/api/v1/tasks/{id}/diff']!.get!.parameters!.map((parameter) => parameter.name).sort();
      expect(Object.keys(listed.get('get_diff')!.properties!).sort()).toEqual(diffParameters);
      const listParameters = spec.paths['/api/v1/tasks']!.get!.parameters!.map((parameter) => parameter.name).sort();
      expect(Object.keys(listed.get('list_tasks')!.properties!).sort()).toEqual(listParameters);
    } finally {
      await client.close();
    }
  });

  // Last in this service: the address stays locked out for the rest of the minute.
  it('counts wrong keys at /mcp as failed authentications: the address is locked out, the API too', async () => {
    const post = (key: string) =>
      fetch(`${service.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${key}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < AUTH_FAILURES_PER_MINUTE + 2; i += 1) statuses.push((await post(`wrong-key-${i}`)).status);
    // The test before presented one wrong key too.
    const locked = statuses.indexOf(429);
    expect(locked).toBeGreaterThanOrEqual(AUTH_FAILURES_PER_MINUTE - 1);
    expect(statuses.slice(0, locked).every((status) => status === 401) && statuses.slice(locked).every((status) => status === 429)).toBe(true);
    expect((await post(TEST_API_KEY)).status).toBe(429);
    expect((await fetch(`${service.url}/api/v1/tasks`, { headers: { 'x-api-key': TEST_API_KEY } })).status).toBe(429);
  });
});
