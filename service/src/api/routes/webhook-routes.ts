import { readsAllTasks, type Principal } from '../../access/scopes.ts';
import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { needs } from '../route-access.ts';
import type { Db } from '../../db/db.ts';
import { listTaskDeliveries } from '../../webhooks/delivery-history.ts';
import type { WebhookTargets } from '../../webhooks/webhook-targets.ts';
import type { TaskRepository } from '../../db/task-repository.ts';
import { NotFoundError } from '../../refusal.ts';
import { requireTask } from '../../tasks/require-task.ts';
import type { ApiEnv } from '../context-variables.ts';
import { jsonResponse as json } from '../schemas/route-parts.ts';
import { bodyErrors, commonErrors, notFoundError } from '../schemas/error-schemas.ts';
import { TaskIdParam } from '../schemas/task-schemas.ts';
import {
  CallbackList,
  CallbackRegistered,
  CreateSubscriptionBody,
  DeliveryList,
  RegisterCallbackBody,
  Subscription,
  SubscriptionCreated,
  SubscriptionIdParam,
  CallbackIdParams,
  SubscriptionList,
} from '../schemas/webhook-schemas.ts';

export interface WebhookRouteDeps {
  db: Db;
  tasks: Pick<TaskRepository, 'exists'>;
  webhookTargets: WebhookTargets;
}

const body = <T>(schema: T) => ({ required: true, content: { 'application/json': { schema } } });

const registerCallback = createRoute({

  operationId: 'registerCallback',
  method: 'post',
  path: '/tasks/{id}/callbacks',
  tags: ['Webhooks'],
  summary: 'Register a callback URL for a task’s events',
  description: 'Matching events the task already emitted are delivered at once, so registering after the end still gets the terminal event.',
  ...needs('webhooks'),
  request: { params: TaskIdParam, body: body(RegisterCallbackBody) },
  responses: { 201: json(CallbackRegistered, 'Registered'), ...commonErrors, ...notFoundError, ...bodyErrors },
});

const endCallback = createRoute({

  operationId: 'endCallback',
  method: 'delete',
  path: '/tasks/{id}/callbacks/{callbackId}',
  tags: ['Webhooks'],
  summary: 'End a callback: nothing more is delivered to it',
  description: 'What a waiter does once its wait is over (n8n Await Progress on resume). Pending deliveries to it are dropped.',
  ...needs('webhooks'),
  request: { params: CallbackIdParams },
  responses: { 204: { description: 'Ended (or ended already)' }, ...commonErrors, ...notFoundError },
});

const listCallbacks = createRoute({

  operationId: 'listCallbacks',
  method: 'get',
  path: '/tasks/{id}/callbacks',
  tags: ['Webhooks'],
  summary: 'A task’s callbacks',
  ...needs('webhooks'),
  request: { params: TaskIdParam },
  responses: { 200: json(CallbackList, 'Callbacks'), ...commonErrors, ...notFoundError },
});

const listDeliveries = createRoute({

  operationId: 'listDeliveries',
  method: 'get',
  path: '/tasks/{id}/deliveries',
  tags: ['Webhooks'],
  summary: 'Every webhook delivery of a task’s events, with each attempt',
  ...needs('webhooks'),
  request: { params: TaskIdParam },
  responses: { 200: json(DeliveryList, 'Deliveries in seq order'), ...commonErrors, ...notFoundError },
});

const createSubscription = createRoute({

  operationId: 'createSubscription',
  method: 'post',
  path: '/subscriptions',
  tags: ['Webhooks'],
  summary: 'Subscribe a URL to every task’s events',
  ...needs('webhooks'),
  request: { body: body(CreateSubscriptionBody) },
  responses: { 201: json(SubscriptionCreated, 'Created; the secret is shown only in this answer'), ...commonErrors, ...bodyErrors },
});

const listSubscriptions = createRoute({

  operationId: 'listSubscriptions',
  method: 'get',
  path: '/subscriptions',
  tags: ['Webhooks'],
  summary: 'Every subscription',
  ...needs('webhooks'),
  responses: { 200: json(SubscriptionList, 'Subscriptions, oldest first'), ...commonErrors },
});

const getSubscription = createRoute({

  operationId: 'getSubscription',
  method: 'get',
  path: '/subscriptions/{id}',
  tags: ['Webhooks'],
  summary: 'One subscription',
  ...needs('webhooks'),
  request: { params: SubscriptionIdParam },
  responses: { 200: json(Subscription, 'The subscription'), ...commonErrors, ...notFoundError },
});

const deleteSubscription = createRoute({

  operationId: 'deleteSubscription',
  method: 'delete',
  path: '/subscriptions/{id}',
  tags: ['Webhooks'],
  summary: 'Delete a subscription and its pending deliveries',
  ...needs('webhooks'),
  request: { params: SubscriptionIdParam },
  responses: { 204: { description: 'Deleted' }, ...commonErrors, ...notFoundError },
});


/** Callbacks, deliveries and subscriptions. */
export function registerWebhookRoutes(app: OpenAPIHono<ApiEnv>, deps: WebhookRouteDeps): void {
  app.openapi(registerCallback, async (c) => {
    const { id } = c.req.valid('param');
    const { callback, backfilled } = await deps.webhookTargets.registerCallback(id, c.req.valid('json'));
    c.header('Location', `/api/v1/tasks/${id}/callbacks`);
    return c.json({ ...callback, backfilled }, 201);
  });

  app.openapi(endCallback, async (c) => {
    const { id, callbackId } = c.req.valid('param');
    if (!(await deps.webhookTargets.endCallback(id, callbackId))) throw new NotFoundError('Callback', callbackId);
    return c.body(null, 204);
  });

  app.openapi(listCallbacks, async (c) => {
    const { id } = c.req.valid('param');
    await requireTask(deps.tasks, id);
    return c.json({ items: await deps.webhookTargets.listCallbacks(id) }, 200);
  });

  app.openapi(listDeliveries, async (c) => {
    const { id } = c.req.valid('param');
    await requireTask(deps.tasks, id);
    return c.json({ items: await listTaskDeliveries(deps.db, id) }, 200);
  });

  app.openapi(createSubscription, async (c) => {
    // A key that sees only its own tasks gets a subscription to its own tasks' events only.
    const spec = c.req.valid('json');
    const ownTasksOnly = spec.filter?.ownTasksOnly === true || !readsAllTasks(c.get('principal'));
    const { subscription, secret } = await deps.webhookTargets.createSubscription({ ...spec, filter: { ...spec.filter, ownTasksOnly } }, c.get('apiKeyId'));
    c.header('Location', `/api/v1/subscriptions/${subscription.id}`);
    return c.json({ ...subscription, secret }, 201);
  });

  // A key that sees only its own tasks sees only its own subscriptions (they are all own-tasks ones).
  const ownerFilter = (principal: Principal) => (readsAllTasks(principal) ? undefined : principal.keyId);

  app.openapi(listSubscriptions, async (c) => c.json({ items: await deps.webhookTargets.listSubscriptions(ownerFilter(c.get('principal'))) }, 200));

  app.openapi(getSubscription, async (c) => {
    const { id } = c.req.valid('param');
    const subscription = await deps.webhookTargets.getSubscription(id, ownerFilter(c.get('principal')));
    if (!subscription) throw new NotFoundError('Subscription', id);
    return c.json(subscription, 200);
  });

  app.openapi(deleteSubscription, async (c) => {
    const { id } = c.req.valid('param');
    if (!(await deps.webhookTargets.deleteSubscription(id, ownerFilter(c.get('principal'))))) throw new NotFoundError('Subscription', id);
    return c.body(null, 204);
  });
}
