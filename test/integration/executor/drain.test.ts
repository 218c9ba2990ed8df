/**
 * A rolling restart of one of two instances (real processes, one PostgreSQL): SIGTERM drains the
 * instance (readiness 503 at once, liveness still 200, its SSE streams end with a retry hint),
 * its running attempt finishes there and is not run again, the attempts still waiting go to the
 * other instance, every event is stored once, and the drained process exits 0. A second SIGTERM
 * stops at once and hands the attempt back.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { TEST_API_KEY } from '../../support/service-harness.ts';
import { until } from '../../support/until.ts';

const slowAgent = join(import.meta.dirname, '../../fixtures/fake-agents/slow-writing-agent.mjs');

interface Run {
  label: string;
  status: string;
  worker: string | null;
}
interface Task {
  status: string;
  agents: Run[];
}
interface Event {
  seq: number;
  type: string;
  agentLabel: string | null;
}

const exited = (instance: ServiceProcess) =>
  new Promise<{ code: number | null; afterMs: number }>((resolve) => {
    const started = Date.now();
    if (instance.process.exitCode !== null) return resolve({ code: instance.process.exitCode, afterMs: 0 });
    instance.process.once('exit', (code) => resolve({ code, afterMs: Date.now() - started }));
  });

describe('draining an instance (two service processes on one PostgreSQL)', () => {
  let repo: TestRepo;
  let shared: Record<string, string | undefined>;
  const instances: ServiceProcess[] = [];
  const folders: string[] = [];
  const start = async (name: string, env: Record<string, string> = {}) => {
    const dataDir = await makeTempDir(`kage-${name}-data-`);
    folders.push(dataDir);
    const instance = await startServiceProcess({ ...shared, KAGE_DATA_DIR: dataDir, KAGE_WORKER_NAME: name, ...env });
    instances.push(instance);
    return instance;
  };
  const submit = async (via: ServiceProcess, seconds: number, count: number) => {
    const response = await via.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'Slow notes',
        repository: { path: repo.path },
        agents: Array.from({ length: count }, (_, n) => ({ agent: 'command', command: [process.execPath, slowAgent, `note-${n + 1}.txt`, String(seconds)] })),
      },
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  };
  const taskOf = async (via: ServiceProcess, id: string) => (await (await via.request(`/api/v1/tasks/${id}`)).json()) as Task;
  const eventsOf = async (via: ServiceProcess, id: string) => ((await (await via.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: Event[] }).items;
  const ended = (via: ServiceProcess, id: string) =>
    until('the task to end', async () => {
      const task = await taskOf(via, id);
      return ['completed', 'failed', 'cancelled'].includes(task.status) ? task : undefined;
    }, 90_000);

  beforeAll(async () => {
    repo = await createTestRepo();
    // One attempt at a time per instance: two run at once, the other two wait in the queue. The
    // drain's default length (the running attempts' remaining limits), not the tests' 0.
    shared = { DATABASE_URL: await createPostgresDatabase(), KAGE_ATTEMPT_CONCURRENCY: '1', KAGE_WORKER_CONCURRENCY: '1', KAGE_DRAIN_SECONDS: undefined };
  });
  afterAll(async () => {
    for (const instance of instances) await instance.kill('SIGKILL');
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
    await repo?.cleanup();
  });

  it('finishes the running attempt on the draining instance, sends the waiting ones to the other, loses and repeats nothing, and exits 0', async () => {
    const alpha = await start('alpha');
    const beta = await start('beta');
    const id = await submit(alpha, 4, 4);
    const running = await until('one attempt running on each instance', async () => {
      const runs = (await taskOf(beta, id)).agents.filter((run) => run.status === 'running');
      const workers = new Set(runs.map((run) => run.worker));
      return workers.has('alpha') && workers.has('beta') ? runs : undefined;
    }, 60_000);
    const onAlpha = running.filter((run) => run.worker === 'alpha').map((run) => run.label);
    expect(onAlpha).toHaveLength(1);

    const listed = (await (await beta.request('/api/v1/instances')).json()) as { self: string; items: Array<{ name: string; draining: boolean; attemptsRunning: number }> };
    expect(listed.self).toBe('beta');
    expect(listed.items.map((row) => row.name).sort()).toEqual(['alpha', 'beta']);

    // A progress stream open on alpha: it must end when alpha drains, telling the reader to come back soon.
    const stream = await fetch(`${alpha.url}/api/v1/tasks/${id}/progress`, { headers: { accept: 'text/event-stream', 'x-api-key': TEST_API_KEY } });
    const streamText = new Response(stream.body).text();

    const exit = exited(alpha);
    alpha.process.kill('SIGTERM');
    const ready = await until('alpha to report draining', async () => {
      const response = await fetch(`${alpha.url}/health/ready`);
      return response.status === 503 ? ((await response.json()) as { status: string }) : undefined;
    }, 5_000);
    expect(ready.status).toBe('draining');
    expect((await fetch(`${alpha.url}/health`)).status).toBe(200);
    expect((await fetch(`${beta.url}/health/ready`)).status).toBe(200);
    const text = await streamText;
    expect(text).toContain('event: reconnect');
    expect(text).toMatch(/^retry: 1000$/m);
    await until('beta to list alpha as draining', async () => {
      const rows = ((await (await beta.request('/api/v1/instances')).json()) as typeof listed).items;
      return rows.find((row) => row.name === 'alpha')?.draining ? true : undefined;
    }, 10_000);

    const { code } = await exit;
    expect(code, alpha.output()).toBe(0);
    expect(alpha.output()).not.toMatch(/interrupted by shutdown/);
    const task = await ended(beta, id);
    expect(task.status).toBe('completed');
    for (const run of task.agents) {
      expect(run.status, run.label).toBe('succeeded');
      expect(run.worker, run.label).toBe(onAlpha.includes(run.label) ? 'alpha' : 'beta');
    }
    const events = await eventsOf(beta, id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const count = (type: string, label?: string) => events.filter((event) => event.type === type && (label === undefined || event.agentLabel === label)).length;
    expect(count('task.started')).toBe(1);
    expect(count('task.completed')).toBe(1);
    for (const run of task.agents) {
      expect(count('agent.started', run.label), run.label).toBe(1);
      expect(count('agent.completed', run.label), run.label).toBe(1);
    }
    // Gone from the list once stopped cleanly.
    const after = ((await (await beta.request('/api/v1/instances')).json()) as typeof listed).items;
    expect(after.map((row) => row.name)).toEqual(['beta']);
  }, 180_000);

  it('stops at once on a second SIGTERM, and the attempt it hands back runs again elsewhere', async () => {
    const beta = instances.find((instance) => instance.process.exitCode === null)!;
    const gamma = await start('gamma');
    const byName = { beta, gamma } as Record<string, ServiceProcess>;
    // One instance busy with a long attempt, so the next attempt is the other's.
    const busy = await submit(beta, 15, 1);
    const busyOn = await until('one instance busy', async () => {
      const [run] = (await taskOf(beta, busy)).agents;
      return run?.status === 'running' ? run.worker! : undefined;
    }, 30_000);
    const id = await submit(beta, 6, 1);
    const victimName = busyOn === 'beta' ? 'gamma' : 'beta';
    const victim = byName[victimName]!;
    const survivor = byName[busyOn]!;
    await until('the attempt running on the other', async () => ((await taskOf(survivor, id)).agents[0]?.worker === victimName ? true : undefined), 30_000);

    const exit = exited(victim);
    victim.process.kill('SIGTERM');
    await until('victim draining', async () => ((await fetch(`${victim.url}/health/ready`)).status === 503 ? true : undefined), 5_000);
    victim.process.kill('SIGTERM');
    const { code, afterMs } = await exit;
    expect(code, victim.output()).toBe(0);
    expect(afterMs).toBeLessThan(5_000);

    const task = await ended(survivor, id);
    expect(task.status).toBe('completed');
    expect(task.agents[0]).toMatchObject({ status: 'succeeded', worker: busyOn });
    const label = task.agents[0]!.label;
    const events = await eventsOf(survivor, id);
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    expect(events.filter((event) => event.type === 'agent.started' && event.agentLabel === label)).toHaveLength(2);
    expect((await ended(survivor, busy)).status).toBe('completed');
  }, 180_000);
});
