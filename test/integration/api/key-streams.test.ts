/**
 * Open streams end with their key (issue 32): after DELETE /keys/{id}, after the key's
 * expiresAt, and for the review pages' sessions after the key's removal or a logout, both
 * `GET /tasks/{id}/progress` and `GET /task-changes` end within a few seconds, however many
 * events keep coming.
 */
import { describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';
import { SseReader } from '../events/event-app.ts';

/** Within this long of losing access a stream must have ended (the service re-checks every 2 s). */
const END_WITHIN_MS = 5_000;
const ownOrigin = 'http://localhost';

describe.each(driverKinds)('streams of a revoked or expired key on %s', (kind) => {
  const fixture = serviceWithRepo({ kind, workers: 0, listen: true });

  const makeKey = async (body: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> => {
    const response = await fixture.service.request('/api/v1/keys', { method: 'POST', json: { name: 'streamer', scopes: ['tasks:read', 'tasks:write'], ...body } });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; secret: string };
  };
  const sessionOf = async (secret: string): Promise<string> => {
    const response = await fixture.service.services.app.request('/ui/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: ownOrigin },
      body: new URLSearchParams({ key: secret, next: '/ui' }).toString(),
    });
    expect(response.status).toBe(303);
    return response.headers.get('set-cookie')!.split(';')[0]!;
  };

  /**
   * Opens both streams with `auth`, shows they carry live events, calls `lose`, then keeps
   * storing events: each stream must end within END_WITHIN_MS, its last message `unauthorized`.
   */
  async function expectStreamsToEnd(secret: string, auth: Record<string, string>, lose: () => Promise<void>): Promise<void> {
    const submitted = await fixture.service.request('/api/v1/tasks', {
      method: 'POST',
      headers: { 'x-api-key': secret },
      json: { description: 'streams', repository: { path: fixture.repo.path }, agents: [{ agent: 'command', command: ['true'] }] },
    });
    expect(submitted.status).toBe(202);
    const taskId = ((await submitted.json()) as { id: string }).id;
    const open = async (path: string) => {
      const response = await fetch(`${fixture.service.url}${path}`, { headers: { accept: 'text/event-stream', ...auth } });
      expect(response.status, path).toBe(200);
      const reader = new SseReader(response);
      expect(await reader.nextEvent()).toMatchObject({ event: 'connected' });
      return reader;
    };
    const progress = await open(`/api/v1/tasks/${taskId}/progress`);
    const changes = await open('/api/v1/task-changes');
    expect(await progress.nextEvent()).toMatchObject({ event: 'task.queued' });
    const store = (message: string) => fixture.service.services.events.append(taskId, { type: 'agent.progress', agentLabel: 'command-1', data: { message } });
    await store('before');
    expect(await progress.nextEvent()).toMatchObject({ event: 'agent.progress' });
    expect(await changes.nextEvent()).toMatchObject({ event: 'changed' });

    await lose();
    const lostAt = Date.now();
    const storing = setInterval(() => void store('after').catch(() => {}), 300);
    try {
      const [progressEnd, changesEnd] = await Promise.all([readToEnd(progress), readToEnd(changes)]);
      for (const [name, end] of [['progress', progressEnd], ['task-changes', changesEnd]] as const) {
        expect(end.endedAfterMs, `${name} still open ${END_WITHIN_MS} ms after losing access`).toBeLessThan(END_WITHIN_MS);
        expect(end.last, name).toBe('unauthorized');
      }
    } finally {
      clearInterval(storing);
    }
    expect(Date.now() - lostAt).toBeLessThan(END_WITHIN_MS + 1_000);
  }

  it('ends a key’s streams when the key is deleted', async () => {
    const key = await makeKey();
    await expectStreamsToEnd(key.secret, { 'x-api-key': key.secret }, async () => {
      expect((await fixture.service.request(`/api/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    });
  });

  it('ends a key’s streams when the key expires', async () => {
    const expiresAt = Date.now() + 3_000;
    const key = await makeKey({ expiresAt: new Date(expiresAt).toISOString() });
    await expectStreamsToEnd(key.secret, { 'x-api-key': key.secret }, async () => {
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, expiresAt - Date.now())));
    });
  });

  it('ends a review session’s streams when its key is deleted', async () => {
    const key = await makeKey();
    const cookie = await sessionOf(key.secret);
    await expectStreamsToEnd(key.secret, { cookie }, async () => {
      expect((await fixture.service.request(`/api/v1/keys/${key.id}`, { method: 'DELETE' })).status).toBe(204);
    });
  });

  it('ends a review session’s streams on logout', async () => {
    const key = await makeKey();
    const cookie = await sessionOf(key.secret);
    await expectStreamsToEnd(key.secret, { cookie }, async () => {
      const logout = await fixture.service.services.app.request('/ui/logout', { method: 'POST', headers: { cookie, origin: ownOrigin } });
      expect(logout.status).toBe(303);
    });
  });
});

/** Reads until the stream ends or END_WITHIN_MS pass; how long it took and the last event. */
async function readToEnd(reader: SseReader): Promise<{ endedAfterMs: number; last: string | undefined }> {
  const started = Date.now();
  let last: string | undefined;
  const deadline = new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), END_WITHIN_MS));
  for (;;) {
    const message = await Promise.race([reader.nextEvent(), deadline]);
    if (message === 'open') {
      await reader.cancel().catch(() => {});
      return { endedAfterMs: Infinity, last };
    }
    if (message === undefined) return { endedAfterMs: Date.now() - started, last };
    last = message.event;
  }
}
