import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresDatabase } from '../../support/databases.ts';
import { type Forge, startForge } from '../../support/forge-fixture.ts';
import { makeTempDir, runGitIn } from '../../support/git-repo.ts';
import { startServiceProcess, type ServiceProcess } from '../../support/service-process.ts';
import { until } from '../../support/until.ts';

const slowAgent = join(import.meta.dirname, '../../fixtures/fake-agents/slow-writing-agent.mjs');

interface Run {
  label: string;
  status: string;
  worker: string | null;
  branch: string;
  headCommit: string | null;
}

/**
 * Two instances as two machines (their own data folders and HOMEs, one PostgreSQL): one URL
 * task's four attempts run on both; one instance is SIGKILLed mid-attempt, and its attempts
 * finish on the other; the task ends once; one pull request.
 */
describe('one task’s attempts on two instances (postgres, git http-backend, GitHub stand-in)', () => {
  let forge: Forge;
  const instances: Record<string, ServiceProcess> = {};
  const folders: string[] = [];

  beforeAll(async () => {
    forge = await startForge();
    const shared = { DATABASE_URL: await createPostgresDatabase(), KAGE_SECRET_KEY: randomBytes(32).toString('base64'), KAGE_ATTEMPT_CONCURRENCY: '2' };
    for (const name of ['alpha', 'beta']) {
      const home = await makeTempDir(`kage-${name}-home-`);
      const dataDir = await makeTempDir(`kage-${name}-data-`);
      folders.push(home, dataDir);
      instances[name] = await startServiceProcess({ ...shared, HOME: home, KAGE_DATA_DIR: dataDir, KAGE_WORKER_NAME: name });
    }
    await forge.storeCredential((path, init) => instances.alpha!.request(path, init));
  });
  afterAll(async () => {
    for (const instance of Object.values(instances)) await instance.kill('SIGKILL');
    await forge?.stop();
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  it('spreads the attempts, survives losing an instance mid-attempt, ends once and opens one pull request', async () => {
    const { alpha, beta } = instances as { alpha: ServiceProcess; beta: ServiceProcess };
    const submitted = await alpha.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'Four notes',
        repository: { url: forge.url, credential: 'github-bot' },
        agents: [1, 2, 3, 4].map((n) => ({ agent: 'command', command: [process.execPath, slowAgent, `note-${n}.txt`, '6'] })),
      },
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const runsOf = async (via: ServiceProcess) => ((await (await via.request(`/api/v1/tasks/${id}`)).json()) as { agents: Run[] }).agents;

    const running = await until('attempts running on both instances', async () => {
      const runs = await runsOf(beta);
      const workers = new Set(runs.filter((run) => run.status === 'running').map((run) => run.worker));
      return workers.has('alpha') && workers.has('beta') ? runs : undefined;
    }, 60_000);
    const onAlpha = running.filter((run) => run.worker === 'alpha').map((run) => run.label);
    await alpha.kill('SIGKILL');

    const task = await until(
      'the task to end on beta',
      async () => {
        const current = (await (await beta.request(`/api/v1/tasks/${id}`)).json()) as { status: string; agents: Run[]; winner: string };
        return ['completed', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
      },
      120_000,
    );
    expect(task.status).toBe('completed');
    for (const run of task.agents) {
      expect(run.status, run.label).toBe('succeeded');
      // alpha's attempts were run again by beta; beta's own were not disturbed.
      expect(run.worker, run.label).toBe('beta');
      expect(await runGitIn(forge.bare, ['rev-parse', `refs/heads/${run.branch}`])).toBe(run.headCommit);
    }

    const events = ((await (await beta.request(`/api/v1/tasks/${id}/events?limit=1000`)).json()) as { items: { seq: number; type: string; agentLabel: string | null }[] }).items;
    expect(events.map((event) => event.seq)).toEqual(events.map((_, index) => index + 1));
    const count = (type: string, label?: string) => events.filter((event) => event.type === type && (label === undefined || event.agentLabel === label)).length;
    expect(count('task.started')).toBe(1);
    expect(count('task.completed')).toBe(1);
    for (const run of task.agents) {
      expect(count('agent.completed', run.label), run.label).toBe(1);
      expect(count('agent.started', run.label), run.label).toBe(onAlpha.includes(run.label) ? 2 : 1);
    }

    const opened = await beta.request(`/api/v1/tasks/${id}/pull-request`, { method: 'POST' });
    expect(opened.status).toBe(201);
    expect((await beta.request(`/api/v1/tasks/${id}/pull-request`, { method: 'POST' })).status).toBe(200);
    expect(forge.github.pullRequests).toHaveLength(1);
    expect(forge.github.pullRequests[0]).toMatchObject({ head: task.agents.find((run) => run.label === task.winner)!.branch, base: 'main' });
  });
});
