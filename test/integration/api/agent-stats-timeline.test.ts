/**
 * GET /agents/stats's timeline: per agent and model, the cost per verified win of each day's
 * attempts on the repository (the review page's chart), from a scoped key's own tasks only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../../service/src/db/db.ts';
import { driverKinds, openTestDb } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, waitForTaskEnd, type TestService } from '../../support/service-harness.ts';

const good = { agent: 'command', model: 'good', command: ['sh', '-c', 'echo ok > ok.txt'] };
const bad = { agent: 'command', model: 'bad', command: ['sh', '-c', 'echo no > no.txt'] };
const verify = { command: ['test', '-f', 'ok.txt'] };

interface Series {
  agent: string;
  model: string | null;
  days: { day: string; costPerVerifiedWinUsd: number | null }[];
}

describe.each(driverKinds)('agent stats timeline on %s', (kind) => {
  let db: Db;
  let service: TestService;
  let repo: TestRepo;
  let repositoryPath = '';

  const runTask = async (key = TEST_API_KEY, agents = [bad, good]) => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'timeline', verify, repository: { path: repo.path }, agents },
      headers: { 'x-api-key': key },
    });
    expect(response.status).toBe(202);
    const task = (await response.json()) as { id: string; repository: { path: string } };
    repositoryPath = task.repository.path;
    expect((await waitForTaskEnd(service, task.id)).status).toBe('completed');
    return task.id;
  };
  // The attempts ran seconds ago: put them on a day of their own, at a known cost each.
  const backdate = (taskId: string, day: string, costUsd: number) =>
    db.query(`UPDATE agent_runs SET cost_usd = $2, started_at = $3::timestamptz - interval '1 minute', completed_at = $3::timestamptz WHERE task_id = $1`, [
      taskId,
      costUsd,
      `${day}T12:00:00Z`,
    ]);
  const timeline = async (key = TEST_API_KEY) => {
    const response = await service.request(`/api/v1/agents/stats?repository=${encodeURIComponent(repositoryPath)}`, { headers: { 'x-api-key': key } });
    expect(response.status).toBe(200);
    return ((await response.json()) as { timeline: Series[] }).timeline;
  };

  beforeAll(async () => {
    repo = await createTestRepo();
    db = await openTestDb(kind);
    service = await startTestService({ kind, db });
  });
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
  });

  it("gives each agent and model's cost per verified win by day, oldest first, null on a day without one", async () => {
    await backdate(await runTask(), '2026-11-02', 0.4);
    await backdate(await runTask(), '2026-11-01', 0.5);
    const otherOnFirst = await runTask();
    await backdate(otherOnFirst, '2026-11-01', 0.1);

    expect(await timeline()).toEqual([
      // bad never wins: what it spent bought no verified result.
      { agent: 'command', model: 'bad', days: [{ day: '2026-11-01', costPerVerifiedWinUsd: null }, { day: '2026-11-02', costPerVerifiedWinUsd: null }] },
      // good won both tasks of the 1st ($0.50 + $0.10 for 2 wins) and the one of the 2nd ($0.40).
      { agent: 'command', model: 'good', days: [{ day: '2026-11-01', costPerVerifiedWinUsd: expect.closeTo(0.3, 6) }, { day: '2026-11-02', costPerVerifiedWinUsd: expect.closeTo(0.4, 6) }] },
    ]);
  });

  it("shows a scoped key only its own tasks' days", async () => {
    const made = await service.request('/api/v1/keys', { method: 'POST', json: { name: 'alice', scopes: ['tasks:read', 'tasks:write'] } });
    const alice = ((await made.json()) as { secret: string }).secret;
    expect(await timeline(alice)).toEqual([]);
    await backdate(await runTask(alice, [good]), '2026-11-03', 0.2);
    expect(await timeline(alice)).toEqual([{ agent: 'command', model: 'good', days: [{ day: '2026-11-03', costPerVerifiedWinUsd: expect.closeTo(0.2, 6) }] }]);
    expect((await timeline()).find((series) => series.model === 'good')!.days.map((entry) => entry.day)).toEqual(['2026-11-01', '2026-11-02', '2026-11-03']);
  });
});
