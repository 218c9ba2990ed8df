import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { ApiKeyRecord, ApiKeyStore } from '../../access/api-key-store.ts';
import type { ApiEnv } from '../context-variables.ts';
import { ApiKey, ApiKeyCreated, CreateKeyBody, KeyIdParam } from '../schemas/key-schemas.ts';
import { bodyErrors, commonErrors, notFoundError } from '../schemas/error-schemas.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';

const createKey = createRoute({

  operationId: 'createKey',
  method: 'post',
  path: '/keys',
  tags: ['API keys'],
  summary: 'Make an API key with some scopes (admin); the secret is returned once',
  ...needs('admin'),
  request: { body: { required: true, content: { 'application/json': { schema: CreateKeyBody } } } },
  responses: { 201: json(ApiKeyCreated, 'Made'), ...commonErrors, ...bodyErrors },
});

const listKeys = createRoute({

  operationId: 'listKeys',
  method: 'get',
  path: '/keys',
  tags: ['API keys'],
  summary: 'The keys made through the API (API_KEYS are not listed), without secrets',
  ...needs('admin'),
  responses: { 200: json(z.object({ items: z.array(ApiKey) }), 'The keys'), ...commonErrors },
});

const deleteKey = createRoute({

  operationId: 'deleteKey',
  method: 'delete',
  path: '/keys/{id}',
  tags: ['API keys'],
  summary: 'Revoke a key: it and its review-page sessions stop working at once',
  ...needs('admin'),
  request: { params: KeyIdParam },
  responses: { 204: { description: 'Revoked' }, ...commonErrors, ...notFoundError },
});

export function registerKeyRoutes(app: OpenAPIHono<ApiEnv>, keys: ApiKeyStore): void {
  app.openapi(createKey, async (c) => {
    const body = c.req.valid('json');
    const { record, secret } = await keys.create({ ...body, expiresAt: body.expiresAt ? new Date(body.expiresAt) : undefined }, c.get('apiKeyId'));
    return c.json({ ...presentKey(record), secret }, 201);
  });

  app.openapi(listKeys, async (c) => c.json({ items: (await keys.list()).map(presentKey) }, 200));

  app.openapi(deleteKey, async (c) => {
    await keys.delete(c.req.valid('param').id);
    return c.body(null, 204);
  });
}

function presentKey(record: ApiKeyRecord) {
  return {
    id: record.keyId,
    name: record.name,
    scopes: [...record.scopes],
    repositoryRoots: record.repositoryRoots && [...record.repositoryRoots],
    allowedAgents: record.allowedAgents && [...record.allowedAgents],
    expiresAt: record.expiresAt?.toISOString() ?? null,
    createdBy: record.createdBy,
    createdAt: record.createdAt.toISOString(),
  };
}
