import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresDriver } from '../../../service/src/db/postgres-driver.ts';
import { createPostgresDatabase } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, waitForTaskEnd } from '../../support/service-harness.ts';

const slowAgent = join(import.meta.dirname, '../../fixtures/fake-agents/slow-writing-agent.mjs');
const writingAgent = join(import.meta.dirname, '../../fixtures/fake-agents/file-writing-agent.mjs');

describe('several instances and many tasks', () => {
  const stops: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
  });

  it('two instances on one PostgreSQL share the queue, and each sees tasks the other ran', async () => {
    const repo = await createTestRepo();
    stops.push(() => repo.cleanup());
    const url = await createPostgresDatabase();
    // Kept worktrees leave each attempt's path (under its instance's data dir) in agent_runs.
    const env = { KAGE_KEEP_WORKTREES: 'true', KAGE_ATTEMPT_CONCURRENCY: '1' };
    const a = await startTestService({ kind: 'postgres', db: new PostgresDriver(url), workers: 1, env });
    stops.push(() => a.stop());
    const b = await startTestService({ kind: 'postgres', db: new PostgresDriver(url), workers: 1, env });
    stops.push(() => b.stop());

    const ids: string[] = [];
    for (let i = 0; i < 4; i += 1) {
      const response = await a.request('/api/v1/tasks', {
        method: 'POST',
        json: { description: `shared ${i}`, repository: { path: repo.path }, agents: [{ agent: 'command', command: [process.execPath, slowAgent, `out-${i}.txt`, '1.5'] }] },
      });
      ids.push((await response.json()).id);
    }
    const ranOn = new Set<string>();
    for (const id of ids) {
      const task = await waitForTaskEnd(b, id, 90_000);
      expect(task.status).toBe('completed');
      const [run] = await a.services.db.query<{ worktree_path: string; head_commit: string }>(
        'SELECT worktree_path, head_commit FROM agent_runs WHERE task_id = $1',
        [id],
      );
      expect(run?.head_commit).toMatch(/^[0-9a-f]{40}$/);
      ranOn.add([a, b].find((service) => run!.worktree_path.startsWith(service.dataDir))!.dataDir);
    }
    for (const service of [a, b]) {
      const worker = await service.services.db.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM progress_events WHERE type = 'task.started'",
      );
      expect(worker[0]?.n).toBe(4);
    }
    expect(ranOn.size, 'both instances ran attempts').toBe(2);
  });

  it('disk use does not grow across 50 tasks: no worktree or task folder is left behind', async () => {
    const repo: TestRepo = await createTestRepo();
    stops.push(() => repo.cleanup());
    const service = await startTestService({ kind: 'pglite', workers: 2 });
    stops.push(() => service.stop());
    const submitMany = async (count: number, from: number) => {
      const ids: string[] = [];
      for (let i = from; i < from + count; i += 1) {
        const response = await service.request('/api/v1/tasks', {
          method: 'POST',
          json: { description: `task ${i}`, repository: { path: repo.path }, agents: [{ agent: 'command', command: [process.execPath, writingAgent, `f${i}.txt`, '50'] }] },
        });
        ids.push((await response.json()).id);
      }
      for (const id of ids) {
        const task = await waitForTaskEnd(service, id, 120_000);
        expect(task.status, JSON.stringify(task.agents?.[0]?.error ?? task.error)).toBe('completed');
      }
    };
    const worktreeRoot = join(service.dataDir, 'worktrees');
    const leftovers = () => (existsSync(worktreeRoot) ? readdirSync(worktreeRoot) : []);
    await submitMany(5, 0);
    expect(leftovers()).toEqual([]);
    await submitMany(45, 5);
    expect(leftovers()).toEqual([]);
    expect(await repo.git('worktree', 'list', '--porcelain')).not.toContain(worktreeRoot);
    // Branches stay (they hold the results) until merged or discarded.
    expect((await repo.git('branch', '--list', 'kage/*')).split('\n')).toHaveLength(50);
  }, 300_000);
});
