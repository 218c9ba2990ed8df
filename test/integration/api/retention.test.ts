/**
 * Clean-up for a service that runs for a team: retention removes exactly what a finished old
 * task no longer needs (and keeps what it does), and a merge can take the task's branches away.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, waitForTaskEnd, type TestService } from '../../support/service-harness.ts';
import { until } from '../../support/until.ts';

const lifecycle = ['task.queued', 'task.started', 'task.completed', 'merge.completed'];

describe.each(driverKinds)('retention and branch clean-up on %s', (kind) => {
  let service: TestService;
  let repo: TestRepo;
  let receiver: Server;
  let receiverUrl: string;
  const submit = async (file: string, agents = 1): Promise<string> => {
    const response = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: `write ${file}`,
        repository: { path: repo.path },
        agents: Array.from({ length: agents }, (_, index) => ({ agent: 'command', command: ['sh', '-c', `for i in $(seq 50); do echo line $i; done; echo ${index} > ${file}`] })),
      },
    });
    const { id } = (await response.json()) as { id: string };
    expect((await waitForTaskEnd(service, id)).status).toBe('completed');
    return id;
  };
  const eventTypes = async (id: string) =>
    ((await (await service.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: { type: string }[] }).items.map((event) => event.type);
  const deliveries = async (id: string) => ((await (await service.request(`/api/v1/tasks/${id}/deliveries`)).json()) as { items: { status: string }[] }).items;

  beforeAll(async () => {
    repo = await createTestRepo();
    receiver = createServer((_request, response) => response.writeHead(200).end());
    await new Promise<void>((listening) => receiver.listen(0, '127.0.0.1', listening));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
    service = await startTestService({ kind, env: { KAGE_RETENTION_DAYS: '7', KAGE_KEEP_WORKTREES: 'true', KAGE_DELETE_MERGED_BRANCHES: 'true' } });
  });
  afterAll(async () => {
    await service?.stop();
    receiver?.close();
    await repo?.cleanup();
  });

  it("prunes an old finished task's attempt events, deliveries and worktrees, and keeps its result and lifecycle", async () => {
    await service.request('/api/v1/subscriptions', { method: 'POST', json: { url: receiverUrl, events: [] } });
    const old = await submit('old.txt');
    const recent = await submit('recent.txt');
    await until('every delivery made', async () => ((await deliveries(old)).length > 0 && (await deliveries(old)).every((d) => d.status === 'delivered') ? true : undefined), 30_000);
    const before = (await (await service.request(`/api/v1/tasks/${old}`)).json()) as { winner: string };
    const [run] = await service.services.db.query<{ worktree_path: string }>('SELECT worktree_path FROM agent_runs WHERE task_id = $1', [old]);
    const worktree = run!.worktree_path;
    expect(existsSync(worktree)).toBe(true);
    await service.services.db.query("UPDATE tasks SET completed_at = now() - interval '10 days' WHERE id = $1", [old]);

    const pass = await service.services.retention!.prune();
    expect(pass).toMatchObject({ tasks: 1, worktrees: 1 });
    expect(pass.events).toBeGreaterThanOrEqual(50);

    expect(await eventTypes(old)).toEqual(lifecycle.slice(0, 3));
    expect(await deliveries(old)).toEqual([]);
    expect(existsSync(worktree)).toBe(false);
    const after = (await (await service.request(`/api/v1/tasks/${old}`)).json()) as { winner: string; agents: { status: string; filesChanged: string[]; branch: string }[] };
    expect(after.winner).toBe(before.winner);
    expect(after.agents[0]).toMatchObject({ status: 'succeeded', filesChanged: ['old.txt'] });
    expect(await repo.git('show', `${after.agents[0]!.branch}:old.txt`)).toBe('0');
    // Its stream still ends: the terminal event stayed.
    const stream = await service.request(`/api/v1/tasks/${old}/progress`);
    expect(await stream.text()).toContain('event: task.completed');

    expect(await eventTypes(recent)).toContain('agent.progress');
    expect((await deliveries(recent)).length).toBeGreaterThan(0);
    expect((await service.services.retention!.prune()).tasks).toBe(0);
  });

  it("deletes the task's branches after a merge (KAGE_DELETE_MERGED_BRANCHES), unless the merge says not to", async () => {
    const cleaned = await submit('cleaned.txt', 2);
    const merged = await service.request(`/api/v1/tasks/${cleaned}/merge`, { method: 'POST', json: { agent: 'command-1' } });
    expect(merged.status).toBe(200);
    const body = (await merged.json()) as { status: string; deletedBranches: string[]; branchesKept: string | null };
    expect(body.status).toBe('merged');
    expect(body.deletedBranches.sort()).toEqual([`kage/${cleaned.replaceAll('-', '').slice(0, 12)}/command-1`, `kage/${cleaned.replaceAll('-', '').slice(0, 12)}/command-2`]);
    expect(body.branchesKept).toBeNull();
    expect(await repo.git('branch', '--list', `kage/${cleaned.replaceAll('-', '').slice(0, 12)}/*`)).toBe('');
    expect(await repo.git('show', 'main:cleaned.txt')).toBe('0');

    const kept = await submit('kept.txt');
    const keptMerge = (await (await service.request(`/api/v1/tasks/${kept}/merge`, { method: 'POST', json: { deleteBranches: false } })).json()) as { deletedBranches: string[] };
    expect(keptMerge.deletedBranches).toEqual([]);
    expect(await repo.git('branch', '--list', `kage/${kept.replaceAll('-', '').slice(0, 12)}/*`)).toContain('command-1');
  });
});
