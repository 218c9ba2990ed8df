/**
 * `push: "winner"` across two instances (one PostgreSQL, their own data folders, so their own
 * mirrors): the winner runs on one, the attempt that ends the task on the other. The winner's
 * branch is only in the first one's mirror, so that instance pushes it, from its own queue;
 * until it has, the other instance cannot merge it and says why.
 */
import { randomBytes } from 'node:crypto';
import { chmod, rm, writeFile } from 'node:fs/promises';
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
  worker: string | null;
  branch: string;
  headCommit: string | null;
}

describe('the winner pushed by the instance that ran it (postgres, git http-backend)', () => {
  let forge: Forge;
  const instances: ServiceProcess[] = [];
  const names = ['alpha', 'beta'];
  const folders: string[] = [];

  beforeAll(async () => {
    forge = await startForge();
    // One attempt at a time each: the task's two attempts run one on each instance.
    const shared = { DATABASE_URL: await createPostgresDatabase(), KAGE_SECRET_KEY: randomBytes(32).toString('base64'), KAGE_ATTEMPT_CONCURRENCY: '1' };
    for (const name of names) {
      const home = await makeTempDir(`kage-${name}-home-`);
      const dataDir = await makeTempDir(`kage-${name}-data-`);
      folders.push(home, dataDir);
      instances.push(await startServiceProcess({ ...shared, HOME: home, KAGE_DATA_DIR: dataDir, KAGE_WORKER_NAME: name }));
    }
    await forge.storeCredential((path, init) => instances[0]!.request(path, init));
  });
  afterAll(async () => {
    for (const instance of instances) await instance.kill('SIGKILL');
    await forge?.stop();
    for (const folder of folders) await rm(folder, { recursive: true, force: true });
  });

  async function runTask(): Promise<{ id: string; winner: Run; other: Run }> {
    const [first] = instances as [ServiceProcess];
    const submitted = await first.request('/api/v1/tasks', {
      method: 'POST',
      json: {
        description: 'The right note',
        repository: { url: forge.url, credential: 'github-bot' },
        push: 'winner',
        // command-1 writes the file verify wants and ends first; command-2 ends the task later.
        agents: [
          { agent: 'command', command: [process.execPath, slowAgent, 'right.txt', '2'] },
          { agent: 'command', command: [process.execPath, slowAgent, 'wrong.txt', '8'] },
        ],
        verify: { command: ['test', '-f', 'right.txt'] },
      },
    });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    const task = await until('the task to end', async () => {
      const current = (await (await first.request(`/api/v1/tasks/${id}`)).json()) as { status: string; winner: string; agents: Run[] };
      return ['completed', 'failed', 'cancelled'].includes(current.status) ? current : undefined;
    }, 90_000);
    expect(task.status).toBe('completed');
    expect(task.winner).toBe('command-1');
    const [winner, other] = task.agents as [Run, Run];
    expect(new Set([winner.worker, other.worker])).toEqual(new Set(names));
    return { id, winner, other };
  }

  /** The task's push.completed events, oldest first. */
  async function pushOutcomes(id: string): Promise<Array<{ status: string; branch: string; message: string }>> {
    const events = ((await (await instances[0]!.request(`/api/v1/tasks/${id}/events?limit=500`)).json()) as { items: { type: string; data: Record<string, unknown> }[] }).items;
    return events.filter((event) => event.type === 'push.completed').map((event) => event.data as { status: string; branch: string; message: string });
  }

  it('pushes the winner from its own mirror when the task ended on the other instance', async () => {
    const { id, winner, other } = await runTask();
    const pushed = await until('the push', async () => (await pushOutcomes(id))[0], 60_000);
    expect(pushed, JSON.stringify(pushed)).toMatchObject({ status: 'pushed', branch: winner.branch });
    expect(await runGitIn(forge.bare, ['rev-parse', `refs/heads/${winner.branch}`])).toBe(winner.headCommit);
    // Only the winner: the other attempt's branch stays on the instance that ran it.
    await expect(runGitIn(forge.bare, ['rev-parse', '--verify', '--quiet', `refs/heads/${other.branch}`])).rejects.toThrow();
  }, 180_000);

  it('answers a merge on the other instance with winner_not_pushed until the push lands, then merges', async () => {
    // The remote refuses attempt branches: every try of the winner's push fails.
    const hook = join(forge.bare, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\nwhile read old new ref; do case "$ref" in refs/heads/kage/*) echo "no attempt branches today" >&2; exit 1;; esac; done\n');
    await chmod(hook, 0o755);
    const { id, winner } = await runTask();
    const failed = await until('the failed push', async () => (await pushOutcomes(id))[0], 90_000);
    expect(failed, JSON.stringify(failed)).toMatchObject({ status: 'failed', branch: winner.branch });
    const elsewhere = instances[names.findIndex((name) => name !== winner.worker)]!;
    const merge = () => elsewhere.request(`/api/v1/tasks/${id}/merge`, { method: 'POST', json: { agent: 'best' } });
    const refused = await merge();
    const refusal = (await refused.json()) as { error: { code: string; message: string } };
    expect(refused.status, JSON.stringify(refusal)).toBe(409);
    expect(refusal.error.code).toBe('winner_not_pushed');
    expect(refusal.error.message).toContain(`POST /tasks/${id}/push`);

    await rm(hook);
    const asked = await elsewhere.request(`/api/v1/tasks/${id}/push`, { method: 'POST' });
    expect(asked.status, await asked.clone().text()).toBe(202);
    const pushed = await until('the second push', async () => (await pushOutcomes(id))[1], 60_000);
    expect(pushed, JSON.stringify(pushed)).toMatchObject({ status: 'pushed', branch: winner.branch });
    const merged = await merge();
    expect(merged.status, await merged.clone().text()).toBe(200);
    expect(await runGitIn(forge.bare, ['show', 'main:right.txt'])).toBeDefined();

    // Discarded on this instance, the branch is still in the other's mirror: a push, asked of
    // either, is refused rather than bringing it back to the remote.
    expect((await elsewhere.request(`/api/v1/tasks/${id}/discard`, { method: 'POST' })).status).toBe(200);
    for (const instance of instances) {
      const again = await instance.request(`/api/v1/tasks/${id}/push`, { method: 'POST' });
      expect(again.status).toBe(409);
      expect(((await again.json()) as { error: { code: string } }).error.code).toBe('attempt_discarded');
    }
    await expect(runGitIn(forge.bare, ['rev-parse', '--verify', '--quiet', `refs/heads/${winner.branch}`])).rejects.toThrow();
  }, 240_000);
});
