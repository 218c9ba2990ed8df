/**
 * The winner's push queue: one push per task waiting or running however often it is asked for,
 * and a push for an instance that never made its queue (one from before pushes were queued)
 * refused without breaking the transaction it was asked in.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { createLogger } from '../../../service/src/logger.ts';
import { instancePushQueue, SHARED_ATTEMPT_QUEUE, TaskQueue } from '../../../service/src/queue/task-queue.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';

describe.each(driverKinds)('the push queue on %s', (kind) => {
  let db: Db;
  let queue: TaskQueue;

  beforeAll(async () => {
    db = await openTestDb(kind);
    queue = new TaskQueue(db, createLogger('silent'));
    await queue.start([SHARED_ATTEMPT_QUEUE], instancePushQueue('alpha'));
  });
  afterAll(async () => {
    await queue?.stop();
    await db?.close();
  });

  it('holds one push per task until it has run', async () => {
    const taskId = randomUUID();
    expect(await queue.enqueuePush(undefined, 'alpha', taskId)).toBe('queued');
    expect(await queue.enqueuePush(undefined, 'alpha', taskId)).toBe('already');
    expect(await queue.enqueuePush(undefined, 'alpha', randomUUID())).toBe('queued');
  });

  it.runIf(kind === 'postgres')('says when the instance that ran the winner has no push queue, and the transaction goes on', async () => {
    const stored = await db.transaction(async (tx) => {
      const outcome = await queue.enqueuePush(tx, 'an-older-instance', randomUUID());
      return [outcome, (await tx.query<{ one: number }>('SELECT 1 AS one'))[0]?.one];
    });
    expect(stored).toEqual(['no_queue', 1]);
  });

  it.runIf(kind === 'pglite')('pushes from its own queue whatever name the winner ran under (one instance, one mirror)', async () => {
    const taskId = randomUUID();
    expect(await queue.enqueuePush(undefined, 'this-host-before-a-restart', taskId)).toBe('queued');
    expect(await queue.enqueuePush(undefined, 'alpha', taskId)).toBe('already');
  });
});
