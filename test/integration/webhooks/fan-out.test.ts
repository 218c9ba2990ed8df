import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { EventStore } from '../../../service/src/events/event-store.ts';
import { fanOutEvents } from '../../../service/src/webhooks/fan-out.ts';
import { WebhookTargets } from '../../../service/src/webhooks/webhook-targets.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';
import { deliveryRows, insertTask } from './webhook-fixtures.ts';

describe.each(driverKinds)('webhook fan-out (%s)', (kind) => {
  let db: Db;
  let events: EventStore;
  let webhookTargets: WebhookTargets;

  beforeEach(async () => {
    db = await openTestDb(kind);
    events = new EventStore(db, { onStored: fanOutEvents });
    webhookTargets = new WebhookTargets(db, []);
  });
  afterEach(async () => {
    await db.close();
  });

  it('creates deliveries with the events: filtered by type, for callbacks of that task and every subscription', async () => {
    const taskId = await insertTask(db);
    const otherTask = await insertTask(db);
    const { callback: all } = await webhookTargets.registerCallback(taskId, { url: 'http://127.0.0.1:1/all', events: [] });
    const { callback: ends } = await webhookTargets.registerCallback(taskId, { url: 'http://127.0.0.1:1/ends', events: ['task.completed'] });
    await webhookTargets.registerCallback(otherTask, { url: 'http://127.0.0.1:1/other', events: [] });
    const { subscription } = await webhookTargets.createSubscription({ url: 'http://127.0.0.1:1/sub', events: ['agent.started', 'task.completed'] }, 'test-key');

    await events.appendMany(taskId, [{ type: 'task.started' }, { type: 'agent.started', agentLabel: 'a' }, { type: 'task.completed' }]);

    const rows = await deliveryRows(db, taskId);
    const summary = rows.map((row) => `${row.seq}:${row.callback_id === all.id ? 'all' : row.callback_id === ends.id ? 'ends' : row.subscription_id === subscription.id ? 'sub' : '?'}`);
    expect(summary.sort()).toEqual(['1:all', '2:all', '2:sub', '3:all', '3:ends', '3:sub']);
    expect(rows.every((row) => row.status === 'pending' && row.attempt_count === 0)).toBe(true);
    expect(await deliveryRows(db, otherTask)).toEqual([]);
  });

  it('gives a subscription only the events stored after it was created, and a disabled endpoint none', async () => {
    const taskId = await insertTask(db);
    await events.append(taskId, { type: 'task.started' });
    const { subscription } = await webhookTargets.createSubscription({ url: 'http://127.0.0.1:1/sub', events: [] }, 'test-key');
    await events.append(taskId, { type: 'agent.started', agentLabel: 'a' });
    await db.query('UPDATE subscriptions SET disabled_at = now() WHERE id = $1', [subscription.id]);
    await events.append(taskId, { type: 'task.completed' });
    expect((await deliveryRows(db, taskId)).map((row) => row.seq)).toEqual([2]);
  });

  it("filters a subscription by repository and by the creating key's own tasks", async () => {
    const here = await insertTask(db);
    await db.query(`UPDATE tasks SET repository_path = '/srv/app', api_key_id = 'key-a' WHERE id = $1`, [here]);
    const elsewhere = await insertTask(db);
    await db.query(`UPDATE tasks SET repository_path = '/srv/other', api_key_id = 'key-b' WHERE id = $1`, [elsewhere]);
    const { subscription: byRepo } = await webhookTargets.createSubscription({ url: 'http://127.0.0.1:1/repo', events: [], filter: { repositoryPath: '/srv/app' } }, 'key-b');
    const { subscription: own } = await webhookTargets.createSubscription({ url: 'http://127.0.0.1:1/own', events: [], filter: { ownTasksOnly: true } }, 'key-b');
    expect(byRepo.filter).toEqual({ repositoryPath: '/srv/app', ownTasksOnly: false });
    expect(own.filter).toEqual({ repositoryPath: null, ownTasksOnly: true });

    await events.append(here, { type: 'task.started' });
    await events.append(elsewhere, { type: 'task.started' });
    expect((await deliveryRows(db, here)).map((row) => row.subscription_id)).toEqual([byRepo.id]);
    expect((await deliveryRows(db, elsewhere)).map((row) => row.subscription_id)).toEqual([own.id]);
  });

  it('delivers nothing to a callback once it expired or was ended, and drops what it still had pending', async () => {
    const taskId = await insertTask(db);
    const { callback: expired } = await webhookTargets.registerCallback(taskId, {
      url: 'http://127.0.0.1:1/expired',
      events: [],
      expiresAt: new Date(Date.now() - 1000).toISOString(),
    });
    const { callback: waiting } = await webhookTargets.registerCallback(taskId, { url: 'http://127.0.0.1:1/waiting', events: [], name: 'Await Result' });
    expect(waiting).toMatchObject({ name: 'Await Result', expiresAt: null, status: 'active' });
    await events.append(taskId, { type: 'task.started' });
    expect((await deliveryRows(db, taskId)).map((row) => [row.callback_id, row.status])).toEqual([[waiting.id, 'pending']]);

    expect(await webhookTargets.endCallback(taskId, waiting.id)).toBe(true);
    await events.append(taskId, { type: 'task.completed' });
    expect((await deliveryRows(db, taskId)).map((row) => row.status)).toEqual(['disabled']);
    expect((await webhookTargets.listCallbacks(taskId)).find((c) => c.id === waiting.id)?.status).toBe('disabled');
    expect(await webhookTargets.endCallback(taskId, expired.id)).toBe(true);
    expect(await webhookTargets.endCallback(await insertTask(db), waiting.id)).toBe(false);
  });

  it('loses no event and duplicates none when a callback is registered while events are being appended', async () => {
    const taskId = await insertTask(db);
    const appends = Array.from({ length: 30 }, (_, n) => events.append(taskId, { type: 'agent.progress', agentLabel: 'a', data: { n } }));
    const registered = webhookTargets.registerCallback(taskId, { url: 'http://127.0.0.1:1/hook', events: [] });
    const more = Array.from({ length: 30 }, (_, n) => events.append(taskId, { type: 'agent.progress', agentLabel: 'a', data: { n: n + 30 } }));
    await Promise.all([...appends, registered, ...more]);
    const seqs = (await deliveryRows(db, taskId)).map((row) => row.seq);
    expect(seqs).toEqual(Array.from({ length: 60 }, (_, index) => index + 1));
  });

  it('rolls the deliveries back with the events', async () => {
    const taskId = await insertTask(db);
    await webhookTargets.registerCallback(taskId, { url: 'http://127.0.0.1:1/hook', events: [] });
    await expect(
      events.transaction(taskId, async (_tx, record) => {
        await record([{ type: 'task.started' }]);
        throw new Error('the status change failed');
      }),
    ).rejects.toThrow('the status change failed');
    expect(await deliveryRows(db, taskId)).toEqual([]);
  });
});
