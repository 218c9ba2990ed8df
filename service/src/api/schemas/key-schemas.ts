import { z } from '@hono/zod-openapi';
import { agentNames } from '../../model/agent-names.ts';
import { scopes } from '../../access/scopes.ts';

const ScopeName = z.enum(scopes).openapi({ description: 'tasks:read (own tasks), tasks:read-all (every key\'s tasks), tasks:write, merge, webhooks, metrics, admin (everything)' });

export const CreateKeyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(100).openapi({ example: 'n8n production' }),
    scopes: z.array(ScopeName).min(1).max(scopes.length),
    repositoryRoots: z
      .array(z.string().min(1).max(4096).refine((path) => path.startsWith('/'), 'must be an absolute path'))
      .min(1)
      .max(20)
      .optional()
      .openapi({ description: "Local folders this key's tasks' repositories must lie in (URL repositories are then refused)" }),
    allowedAgents: z.array(z.enum(agentNames)).min(1).optional().openapi({ description: 'The agents its tasks may run, e.g. every one but command' }),
    expiresAt: z.iso
      .datetime({ offset: true })
      .refine((at) => Date.parse(at) > Date.now(), 'must be in the future')
      .optional(),
  })
  .openapi('CreateApiKey');

export const ApiKey = z
  .object({
    id: z.string().openapi({ description: 'Public id: what tasks record as createdBy' }),
    name: z.string(),
    scopes: z.array(ScopeName),
    repositoryRoots: z.array(z.string()).nullable(),
    allowedAgents: z.array(z.string()).nullable(),
    expiresAt: z.string().nullable(),
    createdBy: z.string(),
    createdAt: z.string(),
  })
  .openapi('ApiKey');

export const ApiKeyCreated = ApiKey.extend({ secret: z.string().openapi({ description: 'Shown this once; only its hash is kept' }) }).openapi('ApiKeyCreated');

export const KeyIdParam = z.object({ id: z.string().regex(/^[0-9a-f]{16}$/, 'must be an API key id (16 hex digits)').openapi({ param: { name: 'id', in: 'path' } }) });
