import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { agentNames } from '../../agents/agent-adapter.ts';
import type { AgentRegistry } from '../../agents/agent-registry.ts';
import type { AppEnv } from '../app-env.ts';
import { jsonResponse, security } from '../route-helpers.ts';
import { commonErrors } from '../schemas/error-schemas.ts';

export const AgentInfo = z
  .object({
    name: z.enum(agentNames),
    displayName: z.string().openapi({ example: 'Claude Code' }),
    binary: z.string().nullable().openapi({ description: 'Resolved path, or null when not found' }),
    version: z.string().nullable().openapi({ description: 'What `--version` printed' }),
    available: z.boolean(),
    installHint: z.string(),
  })
  .openapi('AgentInfo');

const listAgents = createRoute({
  method: 'get',
  path: '/agents',
  tags: ['Agents'],
  summary: 'The agent CLIs this instance can run',
  security,
  responses: { 200: jsonResponse(z.object({ items: z.array(AgentInfo) }), 'Each adapter and its binary'), ...commonErrors },
});

export function registerAgentRoutes(app: OpenAPIHono<AppEnv>, agents: AgentRegistry): void {
  app.openapi(listAgents, async (c) => c.json({ items: await agents.describeAgents() }, 200));
}
