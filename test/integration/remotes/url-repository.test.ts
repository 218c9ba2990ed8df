import { existsSync, readdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { filesContaining } from '../../support/files-containing.ts';
import { recordedCalls } from '../../support/recorded-calls.ts';
import { createTestRepo, makeTempDir, runGitIn, type TestRepo } from '../../support/git-repo.ts';
import { type GitHttpServer, startGitHttpServer } from '../../support/git-http-server.ts';
import { startTestService, type TestService, waitForTaskEnd } from '../../support/service-harness.ts';

const fakeAgents = join(import.meta.dirname, '../../fixtures/fake-agents');
const writer = (file: string, lines = '2') => ({ agent: 'command', command: [process.execPath, join(fakeAgents, 'file-writing-agent.mjs'), file, lines] });
const TOKEN = 'glpat-remote-token-7f3a9c1e5b';

describe('a task on a remote repository (git smart HTTP, pglite)', () => {
  let origin: TestRepo;
  let serverRoot: string;
  let bare: string;
  let git: GitHttpServer;
  let service: TestService;
  let url: string;
  const { call, answers: seen } = recordedCalls(() => (path, init) => service.request(path, init));
  const remoteHead = (ref: string) => runGitIn(bare, ['rev-parse', '--verify', '--quiet', ref]).catch(() => '');
  const submit = (repository: Record<string, unknown>, agents = [writer('a.txt')]) =>
    call('/tasks', { method: 'POST', json: { description: 'Add a file', repository, agents } });

  beforeAll(async () => {
    origin = await createTestRepo({ 'README.md': '# app\n' });
    serverRoot = await makeTempDir('kage-git-server-');
    bare = join(serverRoot, 'app.git');
    await runGitIn(serverRoot, ['clone', '--quiet', '--bare', origin.path, bare]);
    git = await startGitHttpServer({ root: serverRoot, users: { alice: TOKEN } });
    url = `${git.url}/app.git`;
    service = await startTestService({ kind: 'pglite', workers: 2 });
    expect((await call('/git-credentials', { method: 'POST', json: { name: 'local', host: '127.0.0.1', username: 'alice', token: TOKEN } })).status).toBe(201);
    await call('/git-credentials', { method: 'POST', json: { name: 'wrong', host: '127.0.0.1', username: 'alice', token: 'not-the-token' } });
  });
  afterAll(async () => {
    await service?.stop();
    await git?.stop();
    await origin?.cleanup();
    if (serverRoot) await rm(serverRoot, { recursive: true, force: true });
  });

  it('refuses at submit what could only fail later: bad URLs, wrong or missing credentials, unknown refs and repositories', async () => {
    for (const bad of ['ftp://127.0.0.1/app.git', 'http://example.com/app.git', `http://alice:${TOKEN}@127.0.0.1/app.git`, 'file:///tmp/app.git', '--upload-pack=x']) {
      const { status, body } = await submit({ url: bad });
      expect(status, bad).toBe(400);
      expect(body.error.code, bad).toBe('invalid_repository_url');
    }
    expect((await submit({ url, credential: 'wrong' })).body.error).toMatchObject({ code: 'repository_auth_failed', details: { field: 'repository.credential' } });
    expect((await submit({ url })).body.error.code).toBe('repository_auth_failed');
    expect((await submit({ url, credential: 'nobody' })).body.error.code).toBe('unknown_credential');
    expect((await submit({ url, credential: 'local', baseRef: 'no-such-branch' })).body.error.code).toBe('invalid_base_ref');
    expect((await submit({ url: `${git.url}/missing.git`, credential: 'local' })).body.error.code).toBe('repository_unreachable');
    expect((await submit({ url, path: origin.path })).status).toBe(400);
    const otherHost = await call('/git-credentials', { method: 'POST', json: { name: 'gh', host: 'github.com', token: 'ghp_x' } });
    expect(otherHost.body).toMatchObject({ forge: 'github', apiUrl: 'https://api.github.com' });
    expect((await submit({ url, credential: 'gh' })).body.error.code).toBe('credential_host_mismatch');
  });

  it("refuses a credential whose forge API would send its token to a metadata address or over plain HTTP, or whose token holds a line break", async () => {
    const create = (json: Record<string, unknown>) => call('/git-credentials', { method: 'POST', json: { name: 'probe', host: 'git.example.org', forge: 'gitea', token: 'tok', ...json } });
    for (const [json, code] of [
      [{ apiUrl: 'http://169.254.169.254/' }, 'api_url_not_allowed'],
      [{ apiUrl: 'https://[fd00:ec2::254]/api/v1' }, 'api_url_not_allowed'],
      [{ apiUrl: 'http://git.example.org/api/v1' }, 'api_url_not_allowed'],
      [{ host: 'metadata.google.internal' }, 'api_url_not_allowed'],
      [{ token: 'tok\nhost=evil.example' }, 'validation_failed'],
      [{ username: 'alice\r\n' }, 'validation_failed'],
    ] as const) {
      const { status, body } = await create(json);
      expect(status, JSON.stringify(json)).toBe(400);
      expect(body.error.code, JSON.stringify(json)).toBe(code);
    }
    // A self-hosted forge on this machine or the network is fine.
    const local = await create({ name: 'probe-local', apiUrl: 'http://127.0.0.1:3000/api/v1' });
    expect(local.status).toBe(201);
    expect((await call('/git-credentials/probe-local', { method: 'DELETE' })).status).toBe(204);
  });

  it('runs attempts from a mirror, pushes their branches, merges into the remote branch, and discards there too', async () => {
    const base = await remoteHead('main');
    const submitted = await submit({ url, credential: 'local' }, [writer('a.txt', '2'), writer('b.txt', '5')]);
    expect(submitted.status).toBe(202);
    expect(submitted.body.repository).toMatchObject({ url, credential: 'local', baseRef: 'main', baseCommit: base });
    expect(submitted.body.push).toBe('attempts');
    const task = await waitForTaskEnd(service, submitted.body.id);
    expect(task.status).toBe('completed');
    for (const run of task.agents) expect(await remoteHead(`refs/heads/${run.branch}`)).toBe(run.headCommit);
    const events = await call(`/tasks/${task.id}/events`);
    expect(events.body.items.filter((event: { data: { message?: string } }) => event.data.message?.startsWith('pushed kage/'))).toHaveLength(2);

    const merged = await call(`/tasks/${task.id}/merge`, { method: 'POST', json: { agent: 'command-1' } });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ status: 'merged', targetBranch: 'main' });
    expect(await remoteHead('main')).toBe(merged.body.commit);
    expect(await runGitIn(bare, ['show', 'main:a.txt'])).toContain('line 2');

    const discarded = await call(`/tasks/${task.id}/discard`, { method: 'POST' });
    expect(discarded.status).toBe(200);
    for (const run of task.agents) expect(await remoteHead(`refs/heads/${run.branch}`)).toBe('');
  });

  it('never moves a remote branch that moved meanwhile: theirs answers 409, auto fetches and tries once more', async () => {
    const submitted = await submit({ url, credential: 'local' }, [writer('c.txt')]);
    const task = await waitForTaskEnd(service, submitted.body.id);
    expect(task.status).toBe('completed');
    // Someone pushes to main between the service's fetch and its push.
    const someonePushes = async () => {
      git.beforePush = undefined;
      const tree = await runGitIn(bare, ['rev-parse', 'main^{tree}']);
      const commit = await runGitIn(bare, ['-c', 'user.name=Other', '-c', 'user.email=o@x', 'commit-tree', tree, '-p', 'main', '-m', 'concurrent']);
      await runGitIn(bare, ['update-ref', 'refs/heads/main', commit]);
      return commit;
    };
    let concurrent = '';
    git.beforePush = async () => {
      concurrent = await someonePushes();
    };
    const refused = await call(`/tasks/${task.id}/merge`, { method: 'POST', json: { strategy: 'theirs' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('target_moved');
    expect(await remoteHead('main')).toBe(concurrent);

    git.beforePush = async () => {
      concurrent = await someonePushes();
    };
    const merged = await call(`/tasks/${task.id}/merge`, { method: 'POST', json: { strategy: 'auto' } });
    expect(merged.status).toBe(200);
    expect(await remoteHead('main')).toBe(merged.body.commit);
    expect(await runGitIn(bare, ['merge-base', '--is-ancestor', concurrent, 'main']).then(() => true)).toBe(true);
  });

  it('keeps the token out of answers, events, the mirror and the service data folder', async () => {
    const listed = await call('/git-credentials');
    expect(listed.body.items.map((item: { name: string }) => item.name)).toEqual(['gh', 'local', 'wrong']);
    expect(listed.body.items[1]).toMatchObject({ host: '127.0.0.1', username: 'alice', fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{16}$/) });
    const tasks = await call('/tasks');
    for (const task of tasks.body.items) await call(`/tasks/${task.id}/events`);
    for (const text of seen) expect(text).not.toContain(TOKEN);
    expect(filesContaining(service.dataDir, TOKEN)).toEqual([]);
    expect(filesContaining(service.dataDir, Buffer.from(`alice:${TOKEN}`).toString('base64'))).toEqual([]);
    expect(git.requestsBy.get('alice')).toBeGreaterThan(0);
  });

  it('keeps one mirror per remote and no worktree behind, however many tasks ran on it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i += 1) ids.push((await submit({ url, credential: 'local' }, [writer(`many-${i}.txt`)])).body.id);
    for (const id of ids) expect((await waitForTaskEnd(service, id)).status).toBe('completed');
    expect(readdirSync(join(service.dataDir, 'mirrors'))).toHaveLength(1);
    const worktrees = join(service.dataDir, 'worktrees');
    expect(existsSync(worktrees) ? readdirSync(worktrees) : []).toEqual([]);
    const mirror = join(service.dataDir, 'mirrors', readdirSync(join(service.dataDir, 'mirrors'))[0]!);
    expect(await runGitIn(mirror, ['worktree', 'list', '--porcelain'])).not.toContain(worktrees);
  });
});
