/**
 * Agents are untrusted: through the real service process, an agent that prints a huge last line
 * without a newline, and agents that outlive a SIGKILL of the service, must not hurt it.
 */
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir } from '../../support/git-repo.ts';
import { startServiceProcess } from '../../support/service-process.ts';
import { taggedProcesses } from '../../support/tagged-processes.ts';
import { until } from '../../support/until.ts';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('hostile agents through the service', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('a 40 MB last line without a newline is stored cut, in the events, the final message and the task', async () => {
    const repo = await createTestRepo();
    const dataDir = await makeTempDir('kage-hostile-');
    cleanups.push(() => repo.cleanup(), () => rm(dataDir, { recursive: true, force: true }));
    const service = await startServiceProcess({ KAGE_DATA_DIR: dataDir });
    cleanups.push(() => service.kill('SIGTERM'));
    const flood = "const mb='y'.repeat(1<<20);for(let i=0;i<40;i++)process.stdout.write(mb)";
    const submitted = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'flood', repository: { path: repo.path }, agents: [{ agent: 'command', command: [process.execPath, '-e', flood] }] },
    });
    const { id } = (await submitted.json()) as { id: string };
    const task = await until('the task to end', async () => {
      const current = (await (await service.request(`/api/v1/tasks/${id}`)).json()) as { status: string; agents: { finalMessage: string | null }[] };
      return ['completed', 'failed'].includes(current.status) ? current : undefined;
    });
    expect(task.agents[0]!.finalMessage!.length).toBeLessThan(70_000);
    expect(task.agents[0]!.finalMessage).toMatch(/more characters cut\]$/);
    const page = await (await service.request('/api/v1/tasks')).text();
    expect(page.length).toBeLessThan(200_000);
    const events = await (await service.request(`/api/v1/tasks/${id}/events?limit=1000`)).text();
    expect(events.length).toBeLessThan(400_000);
  });

  // Sandboxed, the agent ends with the service (bubblewrap dies with its parent); without the
  // sandbox it is re-parented and keeps running, and the next start must stop it.
  it.each([
    { sandbox: 'bwrap', outlivesTheService: false },
    { sandbox: 'off', outlivesTheService: true },
  ])('an agent of a killed service (sandbox $sandbox) is gone when the service starts again, before its task runs again', async ({ sandbox, outlivesTheService }) => {
    const repo = await createTestRepo();
    const dataDir = await makeTempDir('kage-leftover-');
    cleanups.push(() => repo.cleanup(), () => rm(dataDir, { recursive: true, force: true }));
    const lingering = "process.on('SIGTERM', () => {}); console.log('lingering'); setInterval(() => {}, 1000)";
    const env = { KAGE_DATA_DIR: dataDir, KAGE_WORKER_CONCURRENCY: '1', KAGE_SANDBOX: sandbox };
    const first = await startServiceProcess(env);
    cleanups.push(() => first.kill('SIGKILL'));
    const submitted = await first.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'linger', repository: { path: repo.path }, agents: [{ agent: 'command', command: [process.execPath, '-e', lingering] }] },
    });
    const { id } = (await submitted.json()) as { id: string };
    const agentProcesses = await until('the agent to start', async () => {
      const events = (await (await first.request(`/api/v1/tasks/${id}/events?limit=100`)).json()) as { items: { data: { message?: string } }[] };
      return events.items.some((event) => event.data.message === 'lingering') ? taggedProcesses(id) : undefined;
    });
    cleanups.push(async () => {
      for (const pid of agentProcesses.filter(isAlive)) process.kill(pid, 'SIGKILL');
    });
    await first.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(agentProcesses.filter(isAlive).length > 0).toBe(outlivesTheService);

    const second = await startServiceProcess(env);
    cleanups.push(() => second.kill('SIGTERM'));
    expect(agentProcesses.filter(isAlive)).toEqual([]);
    await second.request(`/api/v1/tasks/${id}`, { method: 'DELETE' });
  });
});
