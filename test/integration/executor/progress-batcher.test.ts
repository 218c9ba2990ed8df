import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { EventStore } from '../../../service/src/events/event-store.ts';
import { ProgressBatcher } from '../../../service/src/executor/progress-batcher.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';
import { insertTask } from '../webhooks/webhook-fixtures.ts';

const progressLine = (i: number) => ({ type: 'agent.progress' as const, agentLabel: 'command-1', data: { message: `line ${i}` } });

describe.each(driverKinds)('progress batcher (%s)', (kind) => {
  let db: Db;
  let events: EventStore;

  beforeEach(async () => {
    db = await openTestDb(kind);
    events = new EventStore(db);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await db.close();
  });

  it('stores every line in order, several per transaction when they arrive faster than they are stored', async () => {
    const taskId = await insertTask(db);
    const appendMany = vi.spyOn(events, 'appendMany');
    const batcher = new ProgressBatcher(events, taskId);
    // Not awaited one by one: lines arrive while earlier ones are being stored, as from a busy agent.
    await Promise.all(Array.from({ length: 1200 }, (_, i) => batcher.add(progressLine(i))));
    await batcher.flush();

    const stored = await events.listAfter(taskId, 0, 2000);
    expect(stored.map((event) => event.data.message)).toEqual(Array.from({ length: 1200 }, (_, i) => `line ${i}`));
    expect(stored.map((event) => event.seq)).toEqual(Array.from({ length: 1200 }, (_, i) => i + 1));
    expect(appendMany.mock.calls.length).toBeGreaterThan(1);
    expect(appendMany.mock.calls.length).toBeLessThan(100);
    expect(Math.max(...appendMany.mock.calls.map(([, batch]) => batch.length))).toBeLessThanOrEqual(500);
  });

  it('stores a lone line at once, without waiting for more', async () => {
    const taskId = await insertTask(db);
    const batcher = new ProgressBatcher(events, taskId);
    await batcher.add(progressLine(0));
    await vi.waitFor(async () => expect(await events.listAfter(taskId, 0, 10)).toHaveLength(1), { timeout: 5000 });
    await batcher.flush();
  });

  it('reports a failed store to the next add and to flush', async () => {
    const taskId = await insertTask(db);
    vi.spyOn(events, 'appendMany').mockRejectedValueOnce(new Error('database went away'));
    const batcher = new ProgressBatcher(events, taskId);
    await batcher.add(progressLine(0));
    await expect(batcher.flush()).rejects.toThrow('database went away');
    await expect(batcher.add(progressLine(1))).rejects.toThrow('database went away');
  });
});
