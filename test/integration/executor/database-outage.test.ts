/**
 * PostgreSQL stops for 20 s in the middle of a task, on a cluster of the test's own. The service
 * process survives; requests meanwhile get 503 with Retry-After; the attempt's agent keeps
 * running and its result is stored once the database is back; an SSE stream opened before the
 * outage gets the task's end; and a cancellation after the restart reaches a running task (the
 * LISTEN connection came back).
 */
import { existsSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir, type TestRepo } from '../../support/git-repo.ts';
import { createDatabase, startPostgresCluster, type PostgresCluster } from '../../support/postgres-cluster.ts';
import { makeGateDir, startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { TEST_API_KEY } from '../../support/service-harness.ts';
import { until } from '../../support/until.ts';

const gatedWriter = (gate: string) => ({
  agent: 'command',
  command: [
    process.execPath,
    '-e',
    "const fs=require('fs');console.log('waiting');const t=setInterval(()=>{if(fs.existsSync(process.argv[1])){clearInterval(t);fs.writeFileSync('outage.txt','written during the outage\\n');console.log('wrote it');}},100)",
    gate,
  ],
});

/** Reads an SSE stream into `types` until it closes. */
function collectStream(url: string, types: string[]): Promise<void> {
  return (async () => {
    const response = await fetch(url, { headers: { 'x-api-key': TEST_API_KEY } });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const type = /^event: (.+)$/m.exec(buffer.slice(0, end))?.[1];
        if (type) types.push(type);
        buffer = buffer.slice(end + 2);
      }
    }
  })();
}

describe('a PostgreSQL outage in the middle of a task', () => {
  let cluster: PostgresCluster;
  let service: ServiceProcess;
  let repo: TestRepo;
  let dataDir: string;
  // The agents wait for a file here: a folder the sandbox lets them read.
  let gates: string;

  beforeAll(async () => {
    cluster = await startPostgresCluster();
    repo = await createTestRepo();
    dataDir = await makeTempDir('kage-outage-');
    gates = await makeGateDir();
    service = await startServiceProcess({
      KAGE_DATA_DIR: dataDir,
      DATABASE_URL: await createDatabase(cluster.adminUrl, 'kage_outage'),
      KAGE_WORKER_CONCURRENCY: '2',
    });
  });
  afterAll(async () => {
    await service?.kill('SIGKILL');
    cluster?.stop();
    await repo?.cleanup();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    if (gates) await rm(gates, { recursive: true, force: true });
  });

  it('is waited out: nothing crashes, requests get 503, the result is stored afterwards, streams and cancels work again', async () => {
    const gate = join(gates, 'gate');
    const submitted = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'outlive the database', repository: { path: repo.path }, agents: [gatedWriter(gate)] },
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    await until('the agent to start', async () => {
      const task = (await (await service.request(`/api/v1/tasks/${id}`)).json()) as { agents: { status: string }[] };
      return task.agents[0]?.status === 'running' ? true : undefined;
    });
    const streamed: string[] = [];
    const stream = collectStream(`${service.url}/api/v1/tasks/${id}/progress`, streamed);
    await until('the stream to connect', async () => (streamed.includes('connected') ? true : undefined));

    cluster.pause();
    try {
      const during = await service.request('/api/v1/tasks', {
        method: 'POST',
        json: { description: 'during the outage', repository: { path: repo.path }, agents: [gatedWriter(gate)] },
      });
      expect(during.status).toBe(503);
      expect(during.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await during.json()) as { error: { code: string } }).error.code).toBe('database_unavailable');
      // The agent finishes while the database is away.
      await writeFile(gate, '');
      await new Promise((resolve) => setTimeout(resolve, 20_000));
      expect(service.process.exitCode).toBeNull();
    } finally {
      cluster.resume();
    }

    const task = await until('the task to end', async () => {
      const current = (await (await service.request(`/api/v1/tasks/${id}`)).json()) as {
        status: string;
        agents: { status: string; filesChanged: string[]; branch: string }[];
      };
      return ['completed', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
    });
    expect(task.status).toBe('completed');
    expect(task.agents[0]).toMatchObject({ status: 'succeeded', filesChanged: ['outage.txt'] });
    expect(await repo.git('show', `${task.agents[0]!.branch}:outage.txt`)).toBe('written during the outage');

    await stream;
    expect(streamed.at(-1)).toBe('task.completed');
    const events = ((await (await service.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: { seq: number }[] }).items;
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));

    // Cancelling after the restart reaches a running agent through the re-established LISTEN.
    const sleeper = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'cancel me', repository: { path: repo.path }, agents: [gatedWriter(join(gates, 'never'))] },
    });
    const sleeping = (await sleeper.json()) as { id: string };
    await until('the second agent to start', async () => {
      const current = (await (await service.request(`/api/v1/tasks/${sleeping.id}`)).json()) as { agents: { status: string }[] };
      return current.agents[0]?.status === 'running' ? true : undefined;
    });
    expect((await service.request(`/api/v1/tasks/${sleeping.id}`, { method: 'DELETE' })).status).toBe(202);
    const cancelled = await until(
      'the cancellation',
      async () => {
        const current = (await (await service.request(`/api/v1/tasks/${sleeping.id}`)).json()) as { status: string };
        return current.status === 'cancelled' ? current : undefined;
      },
      15_000,
    );
    expect(cancelled.status).toBe('cancelled');
    expect(existsSync(join(dataDir, 'never'))).toBe(false);
    expect(service.process.exitCode).toBeNull();
  });
});
