import { Webhook } from 'standardwebhooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { fanOutEvents } from '../../../service/src/webhooks/fan-out.ts';
import { EventStore } from '../../../service/src/events/event-store.ts';
import { DeliveryWorker } from '../../../service/src/webhooks/delivery-worker.ts';
import { generateWebhookSecret } from '../../../service/src/webhooks/webhook-secret.ts';
import { WebhookTargets } from '../../../service/src/webhooks/webhook-targets.ts';
import { freePort } from '../../support/free-port.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';
import { deliveryRows, insertTask, Receiver, reopenableDb, silentLogger, waitFor } from './webhook-fixtures.ts';

const fastSchedule = [0, 0.2, 0.2];

describe.each(driverKinds)('webhook delivery (%s)', (kind) => {
  let db: Db;
  let events: EventStore;
  let webhookTargets: WebhookTargets;
  let receiver: Receiver;
  const workers: DeliveryWorker[] = [];
  const serviceSecret = generateWebhookSecret();

  const startWorker = async (on: Db = db, schedule = fastSchedule, timeoutMs?: number) => {
    const worker = new DeliveryWorker({ db: on, logger: silentLogger, defaultSecret: serviceSecret, retrySchedule: schedule, timeoutMs });
    workers.push(worker);
    await worker.start();
    return worker;
  };

  beforeEach(async () => {
    db = await openTestDb(kind);
    events = new EventStore(db, { onStored: fanOutEvents });
    webhookTargets = new WebhookTargets(db, []);
    receiver = await Receiver.start();
  });

  afterEach(async () => {
    await Promise.all(workers.splice(0).map((worker) => worker.stop()));
    await receiver.close();
    await db.close();
  });

  it('retries a 500 twice with the same webhook-id and a valid signature each time, then stops at 200', async () => {
    const secret = generateWebhookSecret();
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: ['task.completed'], secret });
    receiver.reply = (_request, index) => ({ status: index < 2 ? 500 : 200 });
    await startWorker();

    await events.append(taskId, { type: 'agent.progress', agentLabel: 'claude-1', data: { message: 'ignored by the filter' } });
    await events.append(taskId, { type: 'task.completed', data: { winner: 'claude-1' } });

    await waitFor('the delivery to be delivered', async () => (await deliveryRows(db, taskId))[0]?.status === 'delivered');
    expect(receiver.received).toHaveLength(3);
    const ids = new Set(receiver.received.map((request) => request.headers['webhook-id']));
    expect(ids.size).toBe(1);
    const verifier = new Webhook(secret);
    for (const request of receiver.received) {
      expect(verifier.verify(request.body, request.headers)).toMatchObject({ type: 'task.completed', data: { taskId, seq: 2, winner: 'claude-1' } });
    }
    // The task as GET /tasks/{id} names its fields, with what a chat message needs.
    const snapshot = receiver.received[0]!.json.data.task as Record<string, unknown>;
    expect(snapshot).toMatchObject({
      id: taskId,
      description: 'test task',
      status: 'running',
      repository: { path: '/tmp/repo', baseRef: 'HEAD', baseCommit: 'abc123' },
      winner: null,
      winnerPassedVerify: null,
    });
    expect(snapshot).not.toHaveProperty('winnerLabel');
    const attempts = await db.query<{ attempt: number; response_status: number }>(
      'SELECT attempt, response_status FROM webhook_attempts WHERE delivery_id = $1 ORDER BY attempt',
      [receiver.received[0]!.headers['webhook-id']!],
    );
    expect(attempts).toEqual([
      { attempt: 1, response_status: 500 },
      { attempt: 2, response_status: 500 },
      { attempt: 3, response_status: 200 },
    ]);
  });

  it('gives up after the last scheduled attempt', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: [] });
    receiver.reply = () => ({ status: 503 });
    await startWorker();
    await events.append(taskId, { type: 'task.started' });
    await waitFor('the delivery to fail', async () => (await deliveryRows(db, taskId))[0]?.status === 'failed');
    expect(receiver.received).toHaveLength(fastSchedule.length);
  });

  it('signs callbacks without their own secret with the service secret, and subscriptions with theirs', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url('/callback'), events: [] });
    const { secret } = await webhookTargets.createSubscription({ url: receiver.url('/subscription'), events: ['task.started'] }, 'test-key');
    await startWorker();
    await events.append(taskId, { type: 'task.started' });
    await waitFor('both deliveries', () => receiver.received.length === 2 || undefined);
    for (const request of receiver.received) {
      const [delivery] = await db.query<{ callback_id: string | null }>('SELECT callback_id FROM webhook_deliveries WHERE id = $1', [
        request.headers['webhook-id']!,
      ]);
      const verifier = new Webhook(delivery!.callback_id ? serviceSecret : secret);
      expect(verifier.verify(request.body, request.headers)).toMatchObject({ type: 'task.started', data: { taskId, seq: 1 } });
    }
  });

  it('stops delivering to an endpoint that answers 410 Gone', async () => {
    const taskId = await insertTask(db);
    const { callback } = await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: [] });
    receiver.reply = () => ({ status: 410 });
    await events.appendMany(taskId, [{ type: 'task.started' }, { type: 'agent.started', agentLabel: 'a' }, { type: 'agent.progress', agentLabel: 'a' }]);
    await startWorker();
    await waitFor('every delivery to end', async () => (await deliveryRows(db, taskId)).every((row) => row.status !== 'pending'));
    expect(receiver.received).toHaveLength(1);
    expect((await deliveryRows(db, taskId)).map((row) => row.status)).toEqual(['disabled', 'disabled', 'disabled']);
    expect(await webhookTargets.listCallbacks(taskId)).toMatchObject([{ id: callback.id, status: 'disabled' }]);
    await events.append(taskId, { type: 'task.completed' });
    expect(await deliveryRows(db, taskId)).toHaveLength(3);
  });

  it.each([404, 409])(
    "ends a callback whose resume URL answers %i (that execution waits no more), without retrying; a subscription retries",
    async (status) => {
      const taskId = await insertTask(db);
      const { callback } = await webhookTargets.registerCallback(taskId, { url: receiver.url('/resume'), events: [], name: 'Await Result' });
      await webhookTargets.createSubscription({ url: receiver.url('/subscription'), events: [] }, 'test-key');
      receiver.reply = () => ({ status });
      await events.appendMany(taskId, [{ type: 'task.started' }, { type: 'task.completed' }]);
      await startWorker();
      await waitFor('the callback to be disabled', async () =>
        (await webhookTargets.listCallbacks(taskId))[0]?.status === 'disabled' || undefined,
      );
      const toCallback = receiver.received.filter((request) => request.path === '/resume');
      expect(toCallback).toHaveLength(1);
      expect(toCallback[0]!.json.data.callback).toEqual({ id: callback.id, name: 'Await Result' });
      const rows = await deliveryRows(db, taskId);
      expect(rows.filter((row) => row.callback_id).map((row) => row.status)).toEqual(['disabled', 'disabled']);
      expect(rows.filter((row) => row.subscription_id).every((row) => row.status === 'pending' || row.status === 'failed')).toBe(true);
    },
  );

  it("does not let receivers that hang hold up another task's webhook", async () => {
    const hung = await Promise.all(Array.from({ length: 8 }, () => insertTask(db)));
    for (const taskId of hung) await webhookTargets.registerCallback(taskId, { url: receiver.url('/hangs'), events: [] });
    const other = await insertTask(db);
    await webhookTargets.registerCallback(other, { url: receiver.url('/fine'), events: [] });
    receiver.reply = (request) => (request.path === '/hangs' ? { status: 200, hang: true } : { status: 200 });
    await startWorker(db, fastSchedule, 60_000);
    for (const taskId of hung) await events.append(taskId, { type: 'task.started' });
    await waitFor('the hanging receiver to hold requests', () => receiver.received.filter((r) => r.path === '/hangs').length >= 4 || undefined);
    await events.append(other, { type: 'task.started' });
    await waitFor('the other webhook to be delivered', async () => (await deliveryRows(db, other))[0]?.status === 'delivered' || undefined);
    // Delivered while the hanging ones are all still pending, at most 4 of them in flight to that URL.
    const pendingHung = await Promise.all(hung.map(async (taskId) => (await deliveryRows(db, taskId))[0]?.status));
    expect(pendingHung.every((status) => status === 'pending')).toBe(true);
    expect(receiver.received.filter((r) => r.path === '/hangs').length).toBeLessThanOrEqual(4);
  });

  it('does not send to an address the policy refuses, and records failures without addresses or ports', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url('/private'), events: [] });
    await webhookTargets.registerCallback(taskId, { url: 'http://127.0.0.1:1/closed', events: [] });
    const guarded = new DeliveryWorker({ db, logger: silentLogger, defaultSecret: serviceSecret, retrySchedule: [0], privateTargets: 'deny' });
    workers.push(guarded);
    await guarded.start();
    await events.append(taskId, { type: 'task.started' });
    await waitFor('both deliveries to end', async () => (await deliveryRows(db, taskId)).every((row) => row.status === 'failed') || undefined);
    expect(receiver.received).toEqual([]);
    const errors = await db.query<{ error: string }>(
      'SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.task_id = $1',
      [taskId],
    );
    for (const { error } of errors) expect(error).toMatch(/^not sent: 127\.0\.0\.1 is a loopback or private address/);

    // Allowed, but nobody listens: the reason names no port.
    await guarded.stop();
    const other = await insertTask(db);
    await webhookTargets.registerCallback(other, { url: `http://127.0.0.1:${await freePort()}/closed`, events: [] });
    await startWorker(db, [0]);
    await events.append(other, { type: 'task.started' });
    await waitFor('the delivery to fail', async () => (await deliveryRows(db, other))[0]?.status === 'failed' || undefined);
    const [attempt] = await db.query<{ error: string }>(
      'SELECT a.error FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id WHERE d.task_id = $1',
      [other],
    );
    expect(attempt!.error).toBe('connection refused');
  });

  it('drops deliveries to a callback that expired while they waited, unsent', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: [], expiresAt: new Date(Date.now() + 1500).toISOString() });
    await events.append(taskId, { type: 'task.started' });
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await startWorker();
    await waitFor('the delivery to be dropped', async () => (await deliveryRows(db, taskId))[0]?.status === 'disabled' || undefined);
    expect(receiver.received).toEqual([]);
  });

  it('delivers to one endpoint in seq order even when an early event needs retries', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: [] });
    receiver.reply = (request) => ({ status: request.json.data.seq === 1 && receiver.received.length === 1 ? 500 : 200 });
    await events.appendMany(taskId, [1, 2, 3, 4, 5].map((n) => ({ type: 'agent.progress' as const, agentLabel: 'a', data: { n } })));
    await startWorker();
    await startWorker();
    await waitFor('every delivery', async () => (await deliveryRows(db, taskId)).every((row) => row.status === 'delivered'));
    expect(receiver.received.map((request) => request.json.data.seq)).toEqual([1, 1, 2, 3, 4, 5]);
  });

  it('waits as long as Retry-After asks when that is longer than the schedule', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: [] });
    receiver.reply = (_request, index) => (index === 0 ? { status: 429, headers: { 'retry-after': '2' } } : { status: 200 });
    await startWorker(db, [0, 0]);
    await events.append(taskId, { type: 'task.started' });
    await waitFor('the delivery', async () => (await deliveryRows(db, taskId))[0]?.status === 'delivered');
    const attempts = await db.query<{ started_at: Date; response_status: number }>('SELECT started_at, response_status FROM webhook_attempts ORDER BY attempt');
    expect(attempts.map((attempt) => attempt.response_status)).toEqual([429, 200]);
    expect(new Date(attempts[1]!.started_at).getTime() - new Date(attempts[0]!.started_at).getTime()).toBeGreaterThanOrEqual(1900);
  });

  it('counts a receiver that does not answer in time as a failed attempt', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: [] });
    receiver.reply = (_request, index) => (index === 0 ? { status: 200, hang: true } : { status: 200 });
    await startWorker(db, [0, 0], 300);
    await events.append(taskId, { type: 'task.started' });
    await waitFor('the delivery', async () => (await deliveryRows(db, taskId))[0]?.status === 'delivered');
    const attempts = await db.query<{ error: string | null; response_status: number | null }>('SELECT error, response_status FROM webhook_attempts ORDER BY attempt');
    expect(attempts).toEqual([
      { error: 'no answer within 0.3 s', response_status: null },
      { error: null, response_status: 200 },
    ]);
    expect(new Set(receiver.received.map((request) => request.headers['webhook-id'])).size).toBe(1);
  });

  it('does not follow redirects', async () => {
    const elsewhere = await Receiver.start();
    try {
      const taskId = await insertTask(db);
      await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: [] });
      receiver.reply = () => ({ status: 307, headers: { location: elsewhere.url() } });
      await startWorker(db, [0]);
      await events.append(taskId, { type: 'task.started' });
      await waitFor('the delivery to fail', async () => (await deliveryRows(db, taskId))[0]?.status === 'failed');
      expect(elsewhere.received).toHaveLength(0);
      const [attempt] = await db.query<{ error: string }>('SELECT error FROM webhook_attempts');
      expect(attempt!.error).toContain('redirect 307');
    } finally {
      await elsewhere.close();
    }
  });

  it('delivers the events a task already emitted to a callback registered after the end', async () => {
    const taskId = await insertTask(db, 'completed');
    await events.appendMany(taskId, [{ type: 'task.started' }, { type: 'task.completed', data: { winner: 'codex-1' } }]);
    await startWorker();
    const { backfilled } = await webhookTargets.registerCallback(taskId, { url: receiver.url(), events: ['task.completed', 'task.failed'] });
    expect(backfilled).toBe(1);
    await waitFor('the terminal event', () => receiver.received.length === 1 || undefined);
    expect(receiver.received[0]!.json).toMatchObject({ type: 'task.completed', data: { taskId, seq: 2, winner: 'codex-1', task: { status: 'completed' } } });
  });
});

describe.each(driverKinds)('webhook delivery across a restart (%s)', (kind) => {
  it('delivers to a receiver that was down while the service restarted', async () => {
    const database = await reopenableDb(kind);
    const port = await freePort();
    let db = await database.open();
    let receiver: Receiver | undefined;
    try {
      const taskId = await insertTask(db);
      await new WebhookTargets(db, []).registerCallback(taskId, { url: `http://127.0.0.1:${port}/hook`, events: [] });
      // Retries a second apart: the receiver comes back only after the restart, so the
      // restarted service's worker, reading the same rows, is the one that delivers.
      const slow = [0, 1, 1, 1, 1, 1];
      let worker = new DeliveryWorker({ db, logger: silentLogger, defaultSecret: undefined, retrySchedule: slow });
      await worker.start();
      await new EventStore(db, { onStored: fanOutEvents }).append(taskId, { type: 'task.completed' });
      await waitFor('a refused attempt', async () => (await deliveryRows(db, taskId))[0]?.attempt_count === 1);
      await worker.stop();
      await db.close();

      receiver = await Receiver.start(port);
      db = await database.open();
      worker = new DeliveryWorker({ db, logger: silentLogger, defaultSecret: undefined, retrySchedule: slow });
      await worker.start();
      await waitFor('the delivery after the restart', async () => (await deliveryRows(db, taskId))[0]?.status === 'delivered');
      await worker.stop();
      expect(receiver.received.map((request) => request.json.type)).toEqual(['task.completed']);
    } finally {
      await receiver?.close();
      await db.close();
      database.dispose();
    }
  });
});
