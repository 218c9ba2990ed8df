import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { PostgresDriver } from '../../../service/src/db/postgres-driver.ts';
import { EventStore } from '../../../service/src/events/event-store.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';
import { insertTask } from '../webhooks/webhook-fixtures.ts';
import { type EventApp, readJson, SseReader, startEventApp } from './event-app.ts';

const progress = (app: EventApp, taskId: string, headers: Record<string, string> = {}, query = '') =>
  app.request(`/api/v1/tasks/${taskId}/progress${query}`, { headers: { accept: 'text/event-stream', ...headers } });

describe.each(driverKinds)('events API and SSE progress (%s)', (kind) => {
  let db: Db;
  let app: EventApp;
  let events: EventStore;

  beforeEach(async () => {
    db = await openTestDb(kind);
    app = await startEventApp(db, { heartbeatMs: 100 });
    events = new EventStore(db);
  });
  afterEach(async () => {
    await app.close();
    await db.close();
  });

  it('lists events after a seq, a page at a time', async () => {
    const taskId = await insertTask(db);
    await events.appendMany(taskId, [{ type: 'task.started' }, { type: 'agent.started', agentLabel: 'claude-1', data: { agent: 'claude', model: null } }, { type: 'agent.progress', agentLabel: 'claude-1', data: { message: 'hi' } }]);
    const first = await readJson(await app.request(`/api/v1/tasks/${taskId}/events?limit=2`));
    expect(first.items.map((event: { seq: number }) => event.seq)).toEqual([1, 2]);
    expect(first.items[1]).toMatchObject({ taskId, type: 'agent.started', agentLabel: 'claude-1', data: { agent: 'claude' } });
    const second = await readJson(await app.request(`/api/v1/tasks/${taskId}/events?after=${first.nextAfter}&limit=2`));
    expect(second).toMatchObject({ items: [{ seq: 3, data: { message: 'hi' } }], nextAfter: 3 });
    const empty = await readJson(await app.request(`/api/v1/tasks/${taskId}/events?after=3`));
    expect(empty).toEqual({ items: [], nextAfter: 3 });
  });

  it('answers 404 for an unknown task and 400 for a bad cursor', async () => {
    expect((await app.request('/api/v1/tasks/00000000-0000-4000-8000-000000000000/events')).status).toBe(404);
    expect((await progress(app, '00000000-0000-4000-8000-000000000000')).status).toBe(404);
    const taskId = await insertTask(db);
    expect((await app.request(`/api/v1/tasks/${taskId}/events?after=-1`)).status).toBe(400);
    expect((await progress(app, taskId, { 'last-event-id': 'abc' })).status).toBe(400);
    // Past PostgreSQL's INTEGER: a clear 400, not a failed query.
    expect((await app.request(`/api/v1/tasks/${taskId}/events?after=2147483648`)).status).toBe(400);
    expect((await progress(app, taskId, { 'last-event-id': '2147483648' })).status).toBe(400);
    expect((await progress(app, taskId, {}, '?after=99999999999')).status).toBe(400);
  });

  it('streams connected, the stored events, then live ones, and ends after the terminal event', async () => {
    const taskId = await insertTask(db);
    await events.appendMany(taskId, [{ type: 'task.queued', data: { agents: ['a'], baseCommit: 'abc' } }, { type: 'task.started' }]);
    const response = await progress(app, taskId);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const sse = new SseReader(response);
    expect(await sse.nextEvent()).toMatchObject({ event: 'connected' });
    expect(await sse.nextEvent()).toMatchObject({ event: 'task.queued', id: '1' });
    expect(await sse.nextEvent()).toMatchObject({ event: 'task.started', id: '2' });

    await events.append(taskId, { type: 'agent.progress', agentLabel: 'a', data: { message: 'working' } });
    const live = await sse.nextEvent();
    expect(live).toMatchObject({ event: 'agent.progress', id: '3' });
    expect(JSON.parse(live!.data!)).toMatchObject({ taskId, seq: 3, agentLabel: 'a', data: { message: 'working' } });

    await events.appendMany(taskId, [{ type: 'task.completed', data: { winner: 'a' } }, { type: 'merge.completed' }]);
    expect(await sse.nextEvent()).toMatchObject({ event: 'task.completed', id: '4' });
    expect(await sse.nextEvent()).toBeUndefined();
  });

  it('sends heartbeat comments while nothing happens', async () => {
    const taskId = await insertTask(db);
    const sse = new SseReader(await progress(app, taskId));
    expect(await sse.next()).toMatchObject({ event: 'connected' });
    expect(await sse.next()).toEqual({ comment: 'heartbeat' });
    await sse.cancel();
  });

  it('replays after a dropped connection from Last-Event-ID: every event exactly once', async () => {
    const taskId = await insertTask(db);
    await events.appendMany(taskId, [{ type: 'task.queued' }, { type: 'task.started' }, { type: 'agent.started', agentLabel: 'a' }]);
    const seen: string[] = [];
    const first = new SseReader(await progress(app, taskId));
    await first.nextEvent();
    for (let i = 0; i < 3; i++) seen.push((await first.nextEvent())!.id!);
    await first.cancel();
    await events.appendMany(taskId, [{ type: 'agent.progress', agentLabel: 'a' }, { type: 'agent.completed', agentLabel: 'a' }]);

    const second = new SseReader(await progress(app, taskId, { 'last-event-id': seen.at(-1)! }));
    expect(await second.nextEvent()).toMatchObject({ event: 'connected', data: JSON.stringify({ taskId, after: 3 }) });
    for (let i = 0; i < 2; i++) seen.push((await second.nextEvent())!.id!);
    await events.append(taskId, { type: 'task.completed' });
    for (let message = await second.nextEvent(); message; message = await second.nextEvent()) seen.push(message.id!);
    expect(seen).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it('honours ?after= and ends at once for a client that already has the terminal event', async () => {
    const taskId = await insertTask(db, 'failed');
    await events.appendMany(taskId, [{ type: 'task.started' }, { type: 'task.failed', data: { error: 'boom' } }]);
    const replay = new SseReader(await progress(app, taskId, {}, '?after=1'));
    expect(await replay.nextEvent()).toMatchObject({ event: 'connected' });
    expect(await replay.nextEvent()).toMatchObject({ event: 'task.failed', id: '2' });
    expect(await replay.nextEvent()).toBeUndefined();
    const done = new SseReader(await progress(app, taskId, { 'last-event-id': '2' }));
    expect(await done.nextEvent()).toMatchObject({ event: 'connected' });
    expect(await done.nextEvent()).toBeUndefined();
  });

  it('closes open streams when the feed closes (shutdown)', async () => {
    const taskId = await insertTask(db);
    const sse = new SseReader(await progress(app, taskId));
    expect(await sse.nextEvent()).toMatchObject({ event: 'connected' });
    await app.feed.close();
    expect(await sse.nextEvent()).toMatchObject({ event: 'reconnect', retry: '1000' });
    expect(await sse.nextEvent()).toBeUndefined();
  });

  it('ends open streams with a retry hint when the instance drains, and new ones at once', async () => {
    const taskId = await insertTask(db);
    const open = [new SseReader(await progress(app, taskId)), new SseReader(await app.request('/api/v1/task-changes', { headers: { accept: 'text/event-stream' } }))];
    for (const sse of open) expect(await sse.nextEvent()).toMatchObject({ event: 'connected' });
    app.feed.drain();
    for (const sse of open) {
      expect(await sse.nextEvent()).toMatchObject({ event: 'reconnect', retry: '1000' });
      expect(await sse.nextEvent()).toBeUndefined();
    }
    // Opened while draining (the load balancer has not noticed yet): sent elsewhere at once.
    await events.append(taskId, { type: 'task.started' });
    const late = new SseReader(await progress(app, taskId));
    expect(await late.nextEvent()).toMatchObject({ event: 'connected' });
    expect(await late.nextEvent()).toMatchObject({ event: 'reconnect', retry: '1000' });
    expect(await late.nextEvent()).toBeUndefined();
  });

  it('reads the store once for all caught-up streams of a task, and caps streams per key with a 429', async () => {
    class CountingStore extends EventStore {
      reads = 0;
      override async listAfter(taskId: string, afterSeq: number, limit: number) {
        this.reads += 1;
        return super.listAfter(taskId, afterSeq, limit);
      }
    }
    const counting = new CountingStore(db);
    const capped = await startEventApp(db, { heartbeatMs: 60_000, maxStreamsPerKey: 20, events: counting });
    try {
      const taskId = await insertTask(db);
      await events.append(taskId, { type: 'task.started' });
      const readers = await Promise.all(Array.from({ length: 20 }, async () => new SseReader(await progress(capped, taskId))));
      for (const reader of readers) {
        expect(await reader.nextEvent()).toMatchObject({ event: 'connected' });
        expect(await reader.nextEvent()).toMatchObject({ event: 'task.started' });
      }
      const over = await progress(capped, taskId);
      expect(over.status).toBe(429);
      expect(over.headers.get('retry-after')).toMatch(/^\d+$/);
      expect((await readJson(over)).error.code).toBe('too_many_streams');

      const before = counting.reads;
      await events.append(taskId, { type: 'agent.progress', agentLabel: 'a', data: { message: 'one for all' } });
      for (const reader of readers) expect(await reader.nextEvent()).toMatchObject({ event: 'agent.progress' });
      expect(counting.reads - before).toBeLessThanOrEqual(3);

      await events.append(taskId, { type: 'task.completed' });
      for (const reader of readers) expect(await reader.nextEvent()).toMatchObject({ event: 'task.completed' });
      // The streams ended: their places are free again.
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect((await progress(capped, taskId)).status).toBe(200);
    } finally {
      await capped.close();
    }
  });
});

describe('SSE across service instances (postgres)', () => {
  it('a client on one instance sees events stored through another', async () => {
    const first = await openTestDb('postgres');
    const second = new PostgresDriver((first as PostgresDriver).connectionString);
    const appA = await startEventApp(first);
    try {
      const taskId = await insertTask(first);
      const sse = new SseReader(await progress(appA, taskId));
      expect(await sse.nextEvent()).toMatchObject({ event: 'connected' });
      const otherInstance = new EventStore(second);
      await otherInstance.append(taskId, { type: 'task.started' });
      expect(await sse.nextEvent()).toMatchObject({ event: 'task.started', id: '1' });
      await otherInstance.append(taskId, { type: 'task.cancelled' });
      expect(await sse.nextEvent()).toMatchObject({ event: 'task.cancelled', id: '2' });
      expect(await sse.nextEvent()).toBeUndefined();
    } finally {
      await appA.close();
      await second.close();
      await first.close();
    }
  });
});
