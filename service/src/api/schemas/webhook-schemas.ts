import { z } from '@hono/zod-openapi';
import { eventTypes } from '../../events/event-types.ts';
import { WEBHOOK_SECRET_PATTERN } from '../../webhooks/webhook-secret.ts';
import { CallbackSpec } from './task-schemas.ts';
import { EventTypeSchema } from './event-schemas.ts';

export const RegisterCallbackBody = CallbackSpec;

const EventFilter = z.array(EventTypeSchema).openapi({ description: 'Event types delivered; empty = all' });
const EndpointStatus = z
  .enum(['active', 'disabled'])
  .openapi({ description: 'disabled: deleted, or the endpoint answered 410 Gone (a callback also 404 or 409: its wait is over)' });

const SubscriptionFilter = z
  .object({
    repositoryPath: z.string().min(1).max(4096).optional().openapi({ description: "Only tasks on this repository (its top level, as the task's repository.path)" }),
    ownTasksOnly: z.boolean().optional().openapi({ description: 'Only tasks submitted with the API key that creates the subscription' }),
  })
  .strict()
  .openapi('SubscriptionFilter');

export const Callback = z
  .object({
    id: z.uuid(),
    taskId: z.uuid(),
    url: z.string(),
    events: EventFilter,
    hasOwnSecret: z.boolean().openapi({ description: 'false: signed with the service secret (KAGE_WEBHOOK_SECRET)' }),
    name: z.string().nullable(),
    expiresAt: z.iso.datetime().nullable(),
    status: EndpointStatus,
    createdAt: z.iso.datetime(),
  })
  .openapi('Callback');

export const CallbackRegistered = Callback.extend({
  backfilled: z.number().int().openapi({ description: 'Deliveries created at once for matching events the task had already emitted' }),
}).openapi('CallbackRegistered');

export const CallbackIdParams = z.object({
  id: z.uuid({ message: 'must be a task id (UUID)' }).openapi({ param: { name: 'id', in: 'path' } }),
  callbackId: z.uuid({ message: 'must be a callback id (UUID)' }).openapi({ param: { name: 'callbackId', in: 'path' } }),
});

export const CallbackList = z.object({ items: z.array(Callback) }).openapi('CallbackList');

export const CreateSubscriptionBody = z
  .strictObject({
    url: z.url({ protocol: /^https?$/ }).max(2048).openapi({ example: 'https://n8n.example.com/webhook/kage' }),
    events: z.array(z.enum(eventTypes)).max(eventTypes.length).default([]).openapi({ description: 'Empty = every event type' }),
    secret: z
      .string()
      .regex(WEBHOOK_SECRET_PATTERN, 'must be whsec_ followed by base64 of 24 to 64 random bytes')
      .optional()
      .openapi({ description: 'Omit to have one generated (returned once, in this answer)' }),
    description: z.string().max(500).optional(),
    filter: SubscriptionFilter.optional(),
  })
  .openapi('CreateSubscription');

export const Subscription = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: EventFilter,
    description: z.string().nullable(),
    filter: z.object({ repositoryPath: z.string().nullable(), ownTasksOnly: z.boolean() }),
    status: EndpointStatus,
    createdAt: z.iso.datetime(),
  })
  .openapi('Subscription');

export const SubscriptionCreated = Subscription.extend({
  secret: z.string().openapi({ description: 'The signing secret (whsec_…). Shown only here: store it now.' }),
}).openapi('SubscriptionCreated');

export const SubscriptionList = z.object({ items: z.array(Subscription) }).openapi('SubscriptionList');

export const SubscriptionIdParam = z.object({
  id: z.uuid({ message: 'must be a subscription id (UUID)' }).openapi({ param: { name: 'id', in: 'path' } }),
});

const DeliveryTry = z
  .object({
    attempt: z.number().int(),
    startedAt: z.iso.datetime(),
    durationMs: z.number().int(),
    responseStatus: z.number().int().nullable().openapi({ description: 'null: no answer (refused, timed out)' }),
    error: z.string().nullable(),
  })
  .openapi('WebhookAttempt');

export const Delivery = z
  .object({
    id: z.uuid().openapi({ description: 'The webhook-id header: the same on every retry' }),
    taskId: z.uuid(),
    seq: z.number().int(),
    eventType: EventTypeSchema,
    endpoint: z.object({ kind: z.enum(['callback', 'subscription']), id: z.uuid() }),
    url: z.string(),
    status: z.enum(['pending', 'delivered', 'failed', 'disabled']),
    attemptCount: z.number().int(),
    nextAttemptAt: z.iso.datetime().nullable(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    attempts: z.array(DeliveryTry),
  })
  .openapi('WebhookDelivery');

export const DeliveryList = z.object({ items: z.array(Delivery) }).openapi('WebhookDeliveryList');
