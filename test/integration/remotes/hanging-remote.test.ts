/**
 * A remote that takes a push and never answers: the winner's push (`push: "winner"`) used to run
 * inside the transaction that ended the task, holding its row and, on PGlite, every query of the
 * service for as long as git waited. Now the task ends first, the service answers meanwhile (its
 * reads, a second task), and the push ends with a clear error after its timeout.
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

  it('the task ends and everything else goes on while the push waits; the push then fails in words', async () => {
    const submitted = await service.request('/api/v1/tasks', {
      method: 'POST',
      json: { description: 'push the winner', repository: { url: `${git.url}/app.git`, credential: 'local' }, push: 'winner', agents: [writer] },
    });
    expect(submitted.status, await submitted.clone().text()).toBe(202);
    const { id } = await submitted.json();
    const pushOutcome = async () => {
      const events = await (await service.request(`/api/v1/tasks/${id}/events?limit=100`)).json();
      return events.items.find((event: { data: { kind?: string; message?: string } }) => /push/.test(event.data.message ?? '')) as { data: { kind: string; message: string } } | undefined;
    };
    const task = await waitForTaskEnd(service, id, 60_000);
    expect(task.status).toBe('completed');
    // Ended before its push did: the push is its own step, after the commit.
    expect(await pushOutcome()).toBeUndefined();

    // While the push hangs, reads answer and another task runs to its end.
    for (let i = 0; i < 5; i += 1) expect((await service.request('/api/v1/tasks')).status).toBe(200);
    const other = await service.request('/api/v1/tasks', { method: 'POST', json: { description: 'meanwhile', repository: { path: local.path }, agents: [writer] } });
    expect(other.status).toBe(202);
    expect((await waitForTaskEnd(service, (await other.json()).id, 30_000)).status).toBe('completed');
    expect(await pushOutcome()).toBeUndefined();

    const failure = await until('the push to time out', pushOutcome, 60_000);
    expect(failure.data.kind).toBe('error');
    expect(failure.data.message).toMatch(/timed out|push of kage\//);
  }, 120_000);
});
