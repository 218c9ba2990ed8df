/**
 * Agents are untrusted: through the real service process, an agent that prints a huge last line
 * without a newline, and agents that outlive a SIGKILL of the service, must not hurt it.
 */
import { readFileSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir } from '../../support/git-repo.ts';
import { startServiceProcess } from '../../support/service-process.ts';
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

  it("an agent left running by a killed service is stopped when the service starts again, before its task runs again", async () => {
    const repo = await createTestRepo();
    const dataDir = await makeTempDir('kage-leftover-');
    cleanups.push(() => repo.cleanup(), () => rm(dataDir, { recursive: true, force: true }));
    const pidFile = join(dataDir, 'agent.pid');
    const lingering = `require('fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); process.on('SIGTERM', () => {}); setInterval(() => {}, 1000)`;
    const env = { KAGE_DATA_DIR: dataDir, KAGE_WORKER_CONCURRENCY: '1' };
    const first = await startServiceProcess(env);
    cleanups.push(() => first.kill('SIGKILL'));
    const submitted = await first.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'linger', repository: { path: repo.path }, agents: [{ agent: 'command', command: [process.execPath, '-e', lingering] }] },
    });
    const { id } = (await submitted.json()) as { id: string };
    const agentPid = Number(await until('the agent to start', async () => (await readFile(pidFile, 'utf8')) || undefined));
    cleanups.push(async () => {
      if (isAlive(agentPid)) process.kill(agentPid, 'SIGKILL');
    });
    await first.kill('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(isAlive(agentPid)).toBe(true); // re-parented, still running: the hazard

    const second = await startServiceProcess(env);
    cleanups.push(() => second.kill('SIGTERM'));
    expect(isAlive(agentPid)).toBe(false);
    await second.request(`/api/v1/tasks/${id}`, { method: 'DELETE' });
  });
});
