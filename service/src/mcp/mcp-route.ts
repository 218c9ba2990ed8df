/**
 * MCP over Streamable HTTP at /mcp, with the API key as for /api/v1 (X-API-Key or Authorization:
 * Bearer; never the review pages' cookie, so a page elsewhere cannot drive it in a browser).
 * Stateless: a server and transport per request, so any instance can answer any request; each
 * tool call goes to /api/v1 in-process with the caller's own key, through the same checks.
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { API_VERSION } from '../api/api-version.ts';
import type { ApiEnv } from '../api/context-variables.ts';
import type { KeyRing } from '../access/key-ring.ts';
import { apiKeyAuth, presentedSecret } from '../api/middleware/api-key-auth.ts';
import { authFailureLimit, rateLimit } from '../api/middleware/rate-limit.ts';
import { KageApi } from './kage-api.ts';
import { buildMcpServer } from './mcp-server.ts';

export const MCP_PATH = '/mcp';

export interface McpRouteOptions {
  rateLimitPerMinute: number;
}

export function registerMcpRoute(app: OpenAPIHono<ApiEnv>, keys: KeyRing, options: McpRouteOptions): void {
  app.use(MCP_PATH, authFailureLimit(keys), apiKeyAuth({ keys }), rateLimit(options.rateLimitPerMinute));
  app.all(MCP_PATH, async (c) => {
    const secret = presentedSecret(c) ?? '';
    const origin = new URL(c.req.url).origin;
    const api = new KageApi((path, init) => {
      const headers = new Headers(init.headers);
      headers.set('x-api-key', secret);
      return Promise.resolve(app.fetch(new Request(`${origin}/api/v1${path}`, { ...init, headers })));
    });
    const server = buildMcpServer(api, API_VERSION, c.get('principal'));
    const transport = new WebStandardStreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw);
  });
}
