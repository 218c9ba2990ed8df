import { join } from 'node:path';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createPostgresDatabase, driverKinds } from '../../support/databases.ts';
import { createTestRepo, makeTempDir } from '../../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { until } from '../../support/until.ts';

const slowAgent = join(import.meta.dirname, '../../fixtures/fake-agents/slow-writing-agent.mjs');

interface EventJson {
  seq: number;
  type: string;
}

async function events(service: ServiceProcess, taskId: string): Promise<EventJson[]> {
  const rows = await service.request(`/api/v1/tasks/${taskId}/events?limit=1000`).then((r) => r.json() as Promise<{ items: EventJson[] }>);
  return rows.items;
}

describe.each(driverKinds)('crash recovery on %s', (kind) => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  // SIGTERM's clean shutdown does not depend on the database: one driver is enough for it.
  const signals: NodeJS.Signals[] = kind === 'pglite' ? ['SIGKILL', 'SIGTERM'] : ['SIGKILL'];
  it.each(signals)('a task interrupted by %s runs to an end after a restart, keeping every stored event once', async (signal) => {
    const repo = await createTestRepo();
    const dataDir = await makeTempDir('kage-crash-');
    cleanups.push(() => repo.cleanup(), () => rm(dataDir, { recursive: true, force: true }));
    const env: Record<string, string> = { KAGE_DATA_DIR: dataDir, KAGE_WORKER_CONCURRENCY: '1' };
    if (kind === 'postgres') env.DATABASE_URL = await createPostgresDatabase();

    const first = await startServiceProcess(env);
    cleanups.push(() => first.kill('SIGKILL'));
    const submitted = await first.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'survive a crash',
        repository: { path: repo.path },
        agents: [{ agent: 'command', command: [process.execPath, slowAgent, 'survived.txt', '3'] }],
      },
    });
    expect(submitted.status).toBe(202);
    const taskId = ((await submitted.json()) as { id: string }).id;
    await until('progress before the kill', async () => {
      const stored = await events(first, taskId);
      return stored.filter((event) => event.type === 'agent.progress').length >= 2 ? stored : undefined;
    });
    await first.kill(signal);

    const second = await startServiceProcess(env);
    cleanups.push(() => second.kill('SIGTERM'));
    const before = await events(second, taskId);
    const task = await until('the task to end after the restart', async () => {
      const current = (await second.request(`/api/v1/tasks/${taskId}`).then((r) => r.json())) as { status: string };
      return ['completed', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
    });
    expect(task.status).toBe('completed');
    const after = await events(second, taskId);
    // Nothing stored before the crash was lost or rewritten, and seqs stay gapless and unique.
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((event) => event.seq)).toEqual(after.map((_, index) => index + 1));
    const types = after.map((event) => event.type);
    // The task started once; its interrupted attempt (its own queue job) started again.
    expect(types.filter((type) => type === 'task.started')).toHaveLength(1);
    expect(types.filter((type) => type === 'agent.started')).toHaveLength(2);
    expect(types.at(-1)).toBe('task.completed');
    // The interrupted attempt ran again and succeeded: it never "failed".
    expect(types).not.toContain('agent.failed');
    const shortId = taskId.replaceAll('-', '').slice(0, 12);
    expect(await repo.git('show', `kage/${shortId}/command-1:survived.txt`)).toMatch(/done after/);
  });
});
