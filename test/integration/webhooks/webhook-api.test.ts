import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { fanOutEvents } from '../../../service/src/webhooks/fan-out.ts';
import { EventStore } from '../../../service/src/events/event-store.ts';
import { DeliveryWorker } from '../../../service/src/webhooks/delivery-worker.ts';
import { generateWebhookSecret } from '../../../service/src/webhooks/webhook-secret.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';
import { type EventApp, readJson, startEventApp } from '../events/event-app.ts';
import { insertTask, Receiver, silentLogger, waitFor } from './webhook-fixtures.ts';

describe.each(driverKinds)('webhooks API (%s)', (kind) => {
  let db: Db;
  let app: EventApp;
  let receiver: Receiver;
  let worker: DeliveryWorker | undefined;

  beforeEach(async () => {
    db = await openTestDb(kind);
    app = await startEventApp(db, { allowedHosts: ['127.0.0.1'] });
    receiver = await Receiver.start();
  });
  afterEach(async () => {
    await worker?.stop();
    worker = undefined;
    await app.close();
    await receiver.close();
    await db.close();
  });

  it('registers a callback after the end and delivers the terminal event, listed with its attempts', async () => {
    const taskId = await insertTask(db, 'completed');
    await new EventStore(db, { onStored: fanOutEvents }).appendMany(taskId, [{ type: 'task.started' }, { type: 'task.completed', data: { winner: 'claude-1' } }]);
    const secret = generateWebhookSecret();
    const response = await app.request(`/api/v1/tasks/${taskId}/callbacks`, {
      method: 'POST',
      json: { url: receiver.url(), events: ['task.completed', 'task.failed', 'task.cancelled'], secret },
    });
    expect(response.status).toBe(201);
    const callback = await readJson(response);
    expect(callback).toMatchObject({ taskId, url: receiver.url(), hasOwnSecret: true, status: 'active', backfilled: 1 });
    expect(callback).not.toHaveProperty('secret');

    receiver.reply = (_request, index) => ({ status: index === 0 ? 500 : 204 });
    worker = new DeliveryWorker({ db, logger: silentLogger, defaultSecret: undefined, retrySchedule: [0, 0.1] });
    await worker.start();
    await waitFor('the delivery', () => receiver.received.length === 2 || undefined);
    expect(new Webhook(secret).verify(receiver.received[1]!.body, receiver.received[1]!.headers)).toMatchObject({ type: 'task.completed' });

    const deliveries = await waitFor('the delivered status', async () => {
      const body = await readJson(await app.request(`/api/v1/tasks/${taskId}/deliveries`));
      return body.items[0]?.status === 'delivered' ? body.items : undefined;
    });
    expect(deliveries).toMatchObject([
      {
        seq: 2,
        eventType: 'task.completed',
        endpoint: { kind: 'callback', id: callback.id },
        attemptCount: 2,
        nextAttemptAt: null,
        attempts: [
          { attempt: 1, responseStatus: 500, error: 'receiver answered 500' },
          { attempt: 2, responseStatus: 204, error: null },
        ],
      },
    ]);
    expect((await readJson(await app.request(`/api/v1/tasks/${taskId}/callbacks`))).items).toHaveLength(1);
  });

  it('refuses callback URLs outside KAGE_WEBHOOK_ALLOWED_HOSTS, non-http schemes and bad secrets', async () => {
    const taskId = await insertTask(db);
    const register = (json: unknown) => app.request(`/api/v1/tasks/${taskId}/callbacks`, { method: 'POST', json });
    const outside = await register({ url: 'https://evil.example.com/hook' });
    expect(outside.status).toBe(400);
    expect((await readJson(outside)).error).toMatchObject({ code: 'webhook_url_not_allowed', message: expect.stringContaining('KAGE_WEBHOOK_ALLOWED_HOSTS') });
    expect((await register({ url: 'ftp://127.0.0.1/hook' })).status).toBe(400);
    expect((await register({ url: receiver.url(), secret: 'whsec_short' })).status).toBe(400);
    expect((await register({ url: receiver.url(), events: ['task.exploded'] })).status).toBe(400);
    expect((await app.request('/api/v1/tasks/00000000-0000-4000-8000-000000000000/callbacks', { method: 'POST', json: { url: receiver.url() } })).status).toBe(404);
    const subscription = await app.request('/api/v1/subscriptions', { method: 'POST', json: { url: 'http://10.0.0.1/hook' } });
    expect(subscription.status).toBe(400);
    expect(await db.query('SELECT id FROM task_callbacks UNION ALL SELECT id FROM subscriptions')).toEqual([]);
  });

  it('creates, lists, reads and deletes subscriptions; the secret is shown once and signs the deliveries', async () => {
    const created = await app.request('/api/v1/subscriptions', {
      method: 'POST',
      json: { url: receiver.url('/all'), events: ['task.started'], description: 'n8n trigger' },
    });
    expect(created.status).toBe(201);
    const subscription = await readJson(created);
    expect(subscription.secret).toMatch(/^whsec_/);
    const { secret, ...withoutSecret } = subscription;
    expect(await readJson(await app.request(`/api/v1/subscriptions/${subscription.id}`))).toEqual(withoutSecret);
    expect((await readJson(await app.request('/api/v1/subscriptions'))).items).toEqual([withoutSecret]);

    worker = new DeliveryWorker({ db, logger: silentLogger, defaultSecret: undefined });
    await worker.start();
    const taskId = await insertTask(db);
    await new EventStore(db, { onStored: fanOutEvents }).appendMany(taskId, [{ type: 'task.queued' }, { type: 'task.started' }]);
    await waitFor('the subscription delivery', () => receiver.received.length === 1 || undefined);
    expect(new Webhook(secret).verify(receiver.received[0]!.body, receiver.received[0]!.headers)).toMatchObject({ type: 'task.started', data: { taskId, seq: 2 } });

    expect((await app.request(`/api/v1/subscriptions/${subscription.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await app.request(`/api/v1/subscriptions/${subscription.id}`)).status).toBe(404);
    expect((await app.request(`/api/v1/subscriptions/${subscription.id}`, { method: 'DELETE' })).status).toBe(404);
  });

  it('documents the events and webhooks in the OpenAPI document', async () => {
    const doc = await readJson(await app.request('/openapi.json'));
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/tasks/{id}/events', '/api/v1/tasks/{id}/progress', '/api/v1/tasks/{id}/callbacks', '/api/v1/tasks/{id}/deliveries', '/api/v1/subscriptions', '/api/v1/subscriptions/{id}']),
    );
    expect(Object.keys(doc.components.schemas)).toEqual(expect.arrayContaining(['TaskEvent', 'TaskCompletedData', 'AgentProgressData', 'WebhookDelivery', 'SubscriptionCreated']));
  });
});
