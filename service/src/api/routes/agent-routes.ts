import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { AgentRegistry } from '../../agents/agent-registry.ts';
import type { ApiEnv } from '../context-variables.ts';
import { jsonResponse, security } from '../schemas/route-parts.ts';
import type { SandboxStatus } from '../../sandbox/sandbox.ts';
import { AgentInfo, SandboxInfo } from '../schemas/agent-schemas.ts';
import { commonErrors } from '../schemas/error-schemas.ts';

const listAgents = createRoute({
  method: 'get',
  path: '/agents',
  tags: ['Agents'],
  summary: 'The agent CLIs this instance can run',
  security,
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(AgentInfo), sandbox: SandboxInfo.openapi({ description: 'How every agent and project command is confined' }) }),
      'Each adapter and its binary, and the sandbox they run in',
    ),
    ...commonErrors,
  },
});

export function registerAgentRoutes(app: OpenAPIHono<ApiEnv>, agents: AgentRegistry, sandbox: SandboxStatus): void {
  app.openapi(listAgents, async (c) => c.json({ items: await agents.describeAgents(), sandbox }, 200));
}
