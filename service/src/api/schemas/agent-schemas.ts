import { z } from '@hono/zod-openapi';
import { agentNames } from '../../agents/agent-adapter.ts';

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
