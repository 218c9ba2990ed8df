/**
 * One MCP server over the REST API: the tools of tools.ts, wait_for_task with progress
 * notifications, and two resources (a task, its events). Built per connection: over /mcp per
 * request (stateless, so any instance behind a balancer can answer), for stdio once.
 */
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { CallToolRequestSchema, type CallToolResult, ErrorCode, ListToolsRequestSchema, McpError } from '@modelcontextprotocol/sdk/types.js';
import { z } from '@hono/zod-openapi';
import { allows, type Principal, type Scope } from '../access/scopes.ts';
import { ApiRefusal, type KageApi } from './kage-api.ts';
import { inputJsonSchema, requestOf, tools, WaitInput } from './tools.ts';
import { waitForTask } from './wait.ts';

export const MCP_SERVER_NAME = 'kage-bunshin';

/** `principal`: the caller's key when known (over /mcp), so a tool it lacks the scope for is refused before any request. */
export function buildMcpServer(api: KageApi, version: string, principal?: Principal): McpServer {
  const server = new McpServer(
    { name: MCP_SERVER_NAME, version },
    { instructions: 'Best-of-N for coding tasks: submit_task runs several agents on one task, wait_for_task follows it, get_diff and merge_task take the best attempt.' },
  );
  const missingScope = (scope: Scope, what: string): ApiRefusal | undefined =>
    principal && !allows(principal, scope)
      ? new ApiRefusal(403, 'missing_scope', `This API key (${principal.name}) lacks the scope ${scope}, which ${what} needs`, { scope, held: principal.scopes })
      : undefined;

  // Tools through the low-level server: their JSON Schemas and validation come from the
  // service's own zod (the SDK's converter, from the older zod at the repository root, drops
  // patterns and limits of these schemas).
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  server.server.registerCapabilities({ tools: { listChanged: false } });
  server.server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: tools.map((tool) => ({
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: inputJsonSchema(tool),
      annotations: { title: tool.title, readOnlyHint: tool.readOnly, openWorldHint: false },
    })),
  }));
  server.server.setRequestHandler(CallToolRequestSchema, async (request, extra): Promise<CallToolResult> => {
    const tool = byName.get(request.params.name);
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `No tool named ${request.params.name}; tools/list names them`);
    const args = request.params.arguments ?? {};
    try {
      const refused = missingScope(tool.scope, `the tool ${tool.name}`);
      if (refused) throw refused;
      const parsed = tool.input.safeParse(args);
      if (!parsed.success) throw new ApiRefusal(400, 'validation_error', z.prettifyError(parsed.error), { issues: parsed.error.issues });
      if (tool.name === 'wait_for_task') {
        const { id, timeoutSeconds } = WaitInput.parse(args);
        return result(await waitForTask(api, id, timeoutSeconds, extra));
      }
      // The arguments as given: the API applies its defaults itself.
      const call = requestOf(tool, args);
      return result(await api.call(tool.method, call.path, call.body, extra.signal));
    } catch (error) {
      if (error instanceof ApiRefusal) return refusal(error);
      throw error;
    }
  });

  const readResource = async (uri: URL, path: string) => {
    const refused = missingScope('tasks:read', `reading ${uri.href}`);
    if (refused) throw refused;
    const body = await api.call('GET', path);
    return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(body, null, 2) }] };
  };
  server.registerResource(
    'task',
    new ResourceTemplate('kage://tasks/{id}', { list: undefined }),
    { title: 'A task', description: 'A task with its attempts, scores and winner (as get_task)', mimeType: 'application/json' },
    (uri, variables) => readResource(uri, `/tasks/${encodeURIComponent(String(variables.id))}`),
  );
  server.registerResource(
    'task-events',
    new ResourceTemplate('kage://tasks/{id}/events', { list: undefined }),
    { title: "A task's events", description: 'Its progress events so far, in order (the first thousand)', mimeType: 'application/json' },
    (uri, variables) => readResource(uri, `/tasks/${encodeURIComponent(String(variables.id))}/events?limit=1000`),
  );
  return server;
}

function result(value: unknown): CallToolResult {
  const structured = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  return { content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: structured };
}

/** A refusal is the tool's answer (isError), not a protocol error: the agent reads why and may try otherwise. */
function refusal(error: ApiRefusal): CallToolResult {
  const body = { error: { status: error.status, code: error.code, message: error.message, details: error.details } };
  return { isError: true, content: [{ type: 'text', text: `${error.code} (${error.status}): ${error.message}` }], structuredContent: body };
}
