/**
 * A remote that takes a push and never answers: the winner's push (`push: "winner"`) used to run
 * inside the transaction that ended the task, holding its row and, on PGlite, every query of the
 * service for as long as git waited. Now the task ends first and its push is a queued step: the
 * service answers meanwhile (its reads, a second task), a try that times out says so in words and
 * is tried again, and a push whose every try failed can be asked for again.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, runGitIn, type TestRepo } from '../../support/git-repo.ts';
import { type GitHttpServer, startGitHttpServer } from '../../support/git-http-server.ts';
import { startTestService, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';
import { until } from '../../support/until.ts';

const TOKEN = 'hanging-remote-token-5c1d';
const writer = { agent: 'command', command: [process.execPath, '-e', "require('fs').writeFileSync('a.txt', 'a\\n')"] };

describe.each(driverKinds)('a remote that never answers a push (%s)', (kind) => {
  let origin: TestRepo;
  let local: TestRepo;
  let serverRoot: string;
  let git: GitHttpServer;
  let service: TestService;
  let releasePushes: () => void = () => {};

  beforeAll(async () => {
    origin = await createTestRepo({ 'README.md': '# app\n' });
    local = await createTestRepo();
    serverRoot = await makeTempDir('kage-hanging-remote-');
    await runGitIn(serverRoot, ['clone', '--quiet', '--bare', origin.path, join(serverRoot, 'app.git')]);
    git = await startGitHttpServer({ root: serverRoot, users: { alice: TOKEN } });
    const hung = new Promise<void>((resolve) => (releasePushes = resolve));
    git.beforePush = () => hung;
    // Pushes time out after 15 × this (fetches and pushes get 15 times as long as ls-remote).
    service = await startTestService({ kind, workers: 2, env: { KAGE_GIT_TIMEOUT_SECONDS: '1' } });
    expect((await service.request('/api/v1/git-credentials', { method: 'POST', json: { name: 'local', host: '127.0.0.1', username: 'alice', token: TOKEN } })).status).toBe(201);
  });
  afterAll(async () => {
    releasePushes();
    await service?.stop();
    await git?.stop();
    for (const repo of [origin, local]) await repo?.cleanup();
    if (serverRoot) await rm(serverRoot, { recursive: true, force: true });
  });

  type PushEvent = { type: string; data: { kind?: string; message?: string; status?: string; branch?: string } };
  const pushEvents = async (id: string): Promise<PushEvent[]> => {
    const events = await (await service.request(`/api/v1/tasks/${id}/events?limit=100`)).json();
    return events.items.filter((event: PushEvent) => event.type === 'push.completed' || /push/.test(event.data.message ?? ''));
  };
  const submitPushingTask = async () => {
    const submitted = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'push the winner', repository: { url: `${git.url}/app.git`, credential: 'local' }, push: 'winner', agents: [writer] },
    });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const task = await waitForTaskEnd(service, (await submitted.json()).id, 60_000);
    expect(task.status).toBe('completed');
    return task;
  };
  const remoteHead = (branch: string) => runGitIn(join(serverRoot, 'app.git'), ['rev-parse', `refs/heads/${branch}`]).catch(() => undefined);

  it('the task ends and everything else goes on while the push waits; the timed-out try says so and the next one pushes', async () => {
    const task = await submitPushingTask();
    // Ended before its push did: the push is its own step, after the commit.
    expect(await pushEvents(task.id)).toEqual([]);

    // While the push hangs, reads answer and another task runs to its end.
    for (let i = 0; i < 5; i += 1) expect((await service.request('/api/v1/tasks')).status).toBe(200);
    const other = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'meanwhile', repository: { path: local.path }, agents: [writer] } });
    expect(other.status).toBe(202);
    expect((await waitForTaskEnd(service, (await other.json()).id, 30_000)).status).toBe('completed');
    expect(await pushEvents(task.id)).toEqual([]);

    const failedTry = await until('the first try to time out', async () => (await pushEvents(task.id))[0], 60_000);
    expect(failedTry.data.kind).toBe('error');
    expect(failedTry.data.message).toMatch(/(timed out|push of kage\/).*; trying again$/);
    releasePushes();
    const pushed = await until('the next try to push', async () => (await pushEvents(task.id)).find((event) => event.type === 'push.completed'), 60_000);
    const winner = task.agents[0];
    expect(pushed.data).toMatchObject({ status: 'pushed', branch: winner.branch });
    expect(await remoteHead(winner.branch)).toBe(winner.headCommit);
  }, 150_000);

  it('tells of a push whose every try failed, and pushes when asked again; a local task has nothing to push (409)', async () => {
    let refusing = true;
    git.beforePush = async () => {
      if (refusing) throw new Error('the remote is down');
    };
    const task = await submitPushingTask();
    const failed = await until('the last try to fail', async () => (await pushEvents(task.id)).find((event) => event.type === 'push.completed'), 90_000);
    expect(failed.data).toMatchObject({ status: 'failed', branch: task.agents[0].branch });
    expect((await pushEvents(task.id)).filter((event) => /trying again$/.test(event.data.message ?? ''))).toHaveLength(2);
    expect(await remoteHead(task.agents[0].branch)).toBeUndefined();

    refusing = false;
    const again = await service.request(`/api/v1/tasks/${task.id}/push`, { method: 'POST' });
    expect(again.status, await again.clone().text()).toBe(202);
    expect(await again.json()).toEqual({ agent: task.agents[0].label, branch: task.agents[0].branch, queued: true });
    await until('the push asked for again', async () => ((await pushEvents(task.id)).filter((event) => event.type === 'push.completed').length === 2 ? true : undefined), 60_000);
    expect((await pushEvents(task.id)).at(-1)!.data).toMatchObject({ status: 'pushed' });
    expect(await remoteHead(task.agents[0].branch)).toBe(task.agents[0].headCommit);

    const localTask = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'local', repository: { path: local.path }, agents: [writer] } });
    const localId = (await localTask.json()).id;
    await waitForTaskEnd(service, localId, 30_000);
    const refused = await service.request(`/api/v1/tasks/${localId}/push`, { method: 'POST' });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.code).toBe('not_a_remote_repository');
  }, 150_000);
});
