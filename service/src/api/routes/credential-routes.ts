import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { CredentialRecord, CredentialStore } from '../../credentials/credential-store.ts';
import type { ApiEnv } from '../context-variables.ts';
import { CreateCredentialBody, CredentialNameParam, GitCredential } from '../schemas/credential-schemas.ts';
import { bodyErrors, commonErrors, conflictError, errorResponse } from '../schemas/error-schemas.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';

const notFound = { 404: errorResponse('No such credential') } as const;

const createCredential = createRoute({

  operationId: 'createCredential',
  method: 'post',
  path: '/git-credentials',
  tags: ['Git credentials'],
  summary: 'Store a token for git and the forge of one host (encrypted; never returned)',
  ...needs('admin'),
  request: { body: { required: true, content: { 'application/json': { schema: CreateCredentialBody } } } },
  responses: { 201: json(GitCredential, 'Stored'), ...commonErrors, ...conflictError, ...bodyErrors },
});

const listCredentials = createRoute({

  operationId: 'listCredentials',
  method: 'get',
  path: '/git-credentials',
  tags: ['Git credentials'],
  summary: 'The stored credentials: names, hosts and fingerprints',
  ...needs('admin'),
  responses: { 200: json(z.object({ items: z.array(GitCredential) }), 'The credentials'), ...commonErrors },
});

const getCredential = createRoute({

  operationId: 'getCredential',
  method: 'get',
  path: '/git-credentials/{name}',
  tags: ['Git credentials'],
  summary: 'One credential (without its token)',
  ...needs('admin'),
  request: { params: CredentialNameParam },
  responses: { 200: json(GitCredential, 'The credential'), ...commonErrors, ...notFound },
});

const deleteCredential = createRoute({

  operationId: 'deleteCredential',
  method: 'delete',
  path: '/git-credentials/{name}',
  tags: ['Git credentials'],
  summary: 'Delete a credential',
  ...needs('admin'),
  request: { params: CredentialNameParam },
  responses: { 204: { description: 'Deleted' }, ...commonErrors, ...notFound },
});

export function registerCredentialRoutes(app: OpenAPIHono<ApiEnv>, credentials: CredentialStore): void {
  app.openapi(createCredential, async (c) => c.json(presentCredential(await credentials.create(c.req.valid('json'))), 201));
  app.openapi(listCredentials, async (c) => c.json({ items: (await credentials.list()).map(presentCredential) }, 200));
  app.openapi(getCredential, async (c) => c.json(presentCredential(await credentials.get(c.req.valid('param').name)), 200));
  app.openapi(deleteCredential, async (c) => {
    await credentials.delete(c.req.valid('param').name);
    return c.body(null, 204);
  });
}

function presentCredential(record: CredentialRecord): z.infer<typeof GitCredential> {
  return { ...record, createdAt: record.createdAt.toISOString() };
}
