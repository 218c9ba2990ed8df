import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable, SqlParam } from '../../../service/src/db/db.ts';
import { runMigrations } from '../../../service/src/db/migrations.ts';
import { PostgresDriver } from '../../../service/src/db/postgres-driver.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');

/**
 * A database on which storing one chosen event type fails, as if the service died at that
 * moment. Before failing it looks, from another connection, at what the rest of the world
 * can already see: a state change committed without its event would show up there.
 */
class EventWriteFails extends PostgresDriver {
  failingType: string | undefined;
  seenAtFailure: { attemptStatuses: string[]; merges: number } | undefined;

  override transaction<T>(work: (tx: Queryable) => Promise<T>): Promise<T> {
    return super.transaction((tx) =>
      work({
        query: async <Row,>(sql: string, params?: readonly SqlParam[]) => {
          const types = sql.includes('INSERT INTO progress_events') ? (params?.[2] as string[]) : [];
          if (this.failingType && types.includes(this.failingType)) {
            const runs = await this.query<{ status: string }>('SELECT status FROM agent_runs ORDER BY task_id, position');
            const [merges] = await this.query<{ count: number }>('SELECT count(*)::int AS count FROM merges');
            this.seenAtFailure = { attemptStatuses: runs.map((run) => run.status), merges: merges!.count };
            this.failingType = undefined;
            throw new Error(`injected failure storing ${types.join(', ')}`);
          }
          return tx.query<Row>(sql, params);
        },
      }),
    );
  }
}

describe('a state change commits with its event (postgres)', () => {
  let db: EventWriteFails;
  let service: TestService;
  let repo: TestRepo;

  beforeAll(async () => {
    repo = await createTestRepo();
    db = new EventWriteFails(await createPostgresDatabase());
    await runMigrations(db);
    service = await startTestService({ kind: 'postgres', db, workers: 1 });
  });
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
  });

  const submit = async () => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'Write a file',
        repository: { path: repo.path },
        agents: [{ agent: 'command', command: [process.execPath, join(fakeAgents, 'file-writing-agent.mjs'), 'a.txt', '2'] }],
      },
    });
    return ((await response.json()) as { id: string }).id;
  };

  it("an attempt's end is not visible when its event could not be stored", async () => {
    db.failingType = 'agent.completed';
    const id = await submit();
    const task = await waitForTaskEnd(service, id);
    // At the failure the attempt was still running for everyone else: its end was not committed alone.
    expect(db.seenAtFailure?.attemptStatuses).toEqual(['running']);
    // The attempt's job failed with the write, so the queue ran the attempt again, and that run
    // ended it: one end, stored with its one event.
    expect(task.agents[0].status).toBe('succeeded');
    const events = (await service.services.events.listAfter(id, 0, 1000)).map((event) => event.type);
    expect(events.filter((type) => type === 'agent.completed')).toHaveLength(1);
    expect(events.filter((type) => type === 'agent.started')).toHaveLength(2);
    expect(events).not.toContain('agent.failed');
  });

  it('a merge is not recorded when its merge.completed could not be stored', async () => {
    const id = await submit();
    expect((await waitForTaskEnd(service, id)).status).toBe('completed');
    db.failingType = 'merge.completed';
    const merge = await service.request(`/api/v1/tasks/${id}/merge`, { method: 'POST', json: { strategy: 'manual' } });
    expect(merge.status).toBe(500);
    expect(db.seenAtFailure?.merges).toBe(0);
    expect((await (await service.request(`/api/v1/tasks/${id}/merges`)).json()).items).toEqual([]);
  });
});
