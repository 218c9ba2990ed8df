/**
 * What a scoped key's limits hold against (issue 32): its repository roots against a `.git`
 * file or `core.worktree` pointing elsewhere, checked before git runs; reading every task is not
 * changing them; a key without `command` sets no programs of its own; and a repository URL is
 * not contacted before the key's limits refuse it.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, makeTempDir, runGitIn } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, waitForTaskEnd } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

type ErrorBody = { error?: { code: string; message: string } };

describe.each(driverKinds)('scoped key limits on %s', (kind) => {
  const as = (secret: string, path: string, init: { method?: string; json?: unknown } = {}) => fixture.service.request(path, { ...init, headers: { 'x-api-key': secret } });
  const makeKey = async (body: Record<string, unknown>): Promise<{ id: string; secret: string }> => {
    const response = await fixture.service.request('/api/v1/keys', { method: 'POST', json: body });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; secret: string };
  };
  const submit = (secret: string, body: Record<string, unknown>) =>
    as(secret, '/api/v1/tasks', { method: 'POST', json: { description: 'limits', repository: { path: fixture.repo.path }, agents: [{ agent: 'command', command: ['true'] }], ...body } });

  const fixture = serviceWithRepo({ kind, workers: 0, env: { KAGE_GIT_TIMEOUT_SECONDS: '3' } }, { 'README.md': '# limits\n', '.kage.json': JSON.stringify({ setup: { command: ['npm', 'ci'] }, verify: { command: ['npm', 'test'] } }) });

  it("holds a key's roots against a .git file, a commondir and core.worktree, before git touches the other repository", async () => {
    const base = await makeTempDir('kage-key-roots-');
    const rootA = join(base, 'a');
    const repoB = await createTestRepo({ 'secret.txt': 'B\n' });
    // A running worker: a task accepted by mistake would create its branch in repository B.
    const running = await startTestService({ kind, workers: 1 });
    try {
      await mkdir(join(rootA, 'evil'), { recursive: true });
      await writeFile(join(rootA, 'evil', '.git'), `gitdir: ${join(repoB.path, '.git')}\n`);
      // A linked worktree whose own git folder lies inside A, but whose commondir is B's.
      const linkedGitDir = join(rootA, 'gitdirs', 'wt');
      await mkdir(linkedGitDir, { recursive: true });
      await mkdir(join(rootA, 'linked'));
      await writeFile(join(linkedGitDir, 'HEAD'), 'ref: refs/heads/main\n');
      await writeFile(join(linkedGitDir, 'commondir'), `${join(repoB.path, '.git')}\n`);
      await writeFile(join(linkedGitDir, 'gitdir'), `${join(rootA, 'linked', '.git')}\n`);
      await writeFile(join(rootA, 'linked', '.git'), `gitdir: ${linkedGitDir}\n`);
      const moved = join(rootA, 'moved');
      await runGitIn(base, ['init', '--quiet', moved]);
      await runGitIn(moved, ['config', 'core.worktree', repoB.path]);
      const refsBefore = await repoB.git('for-each-ref', '--format=%(refname) %(objectname)');
      const worktreesBefore = await repoB.git('worktree', 'list', '--porcelain');
      const keyResponse = await running.request('/api/v1/keys', { method: 'POST', json: { name: 'root a', scopes: ['tasks:read', 'tasks:write'], repositoryRoots: [rootA] } });
      const key = (await keyResponse.json()) as { secret: string };
      // While these are refused, B's config is one git cannot read: had the service run git on B's
      // git folder, it would have answered 400 (not a git repository), not 403.
      const configB = join(repoB.path, '.git', 'config');
      const goodConfig = await readFile(configB, 'utf8');
      await writeFile(configB, `${goodConfig}[broken\n`);
      for (const path of [join(rootA, 'evil'), join(rootA, 'linked'), moved]) {
        const response = await running.request('/api/v1/tasks', {
          method: 'POST',
          headers: { 'x-api-key': key.secret },
          json: { description: 'escape', repository: { path }, agents: [{ agent: 'command', command: ['true'] }] },
        });
        const body = (await response.json()) as ErrorBody & { id?: string };
        if (body.id) await waitForTaskEnd(running, body.id, 30_000).catch(() => {});
        expect(response.status, path).toBe(403);
        expect(body.error?.code).toBe('repository_not_allowed');
        expect(body.error?.message).toContain(`the roots this API key (root a) may use`);
      }
      await writeFile(configB, goodConfig);
      expect(await repoB.git('for-each-ref', '--format=%(refname) %(objectname)')).toBe(refsBefore);
      expect(await repoB.git('worktree', 'list', '--porcelain')).toBe(worktreesBefore);
    } finally {
      await running.stop();
      await repoB.cleanup();
      await rm(base, { recursive: true, force: true });
    }
  });

  it("lets a tasks:read-all key read another key's task but change it on no route (403 not_task_owner)", async () => {
    const owner = await makeKey({ name: 'owner', scopes: ['tasks:read', 'tasks:write', 'merge', 'webhooks'] });
    const reader = await makeKey({ name: 'reader', scopes: ['tasks:read-all', 'tasks:write', 'merge', 'webhooks'] });
    const submitted = await submit(owner.secret, {});
    expect(submitted.status).toBe(202);
    const task = (await submitted.json()) as { id: string };
    expect((await as(reader.secret, `/api/v1/tasks/${task.id}`)).status).toBe(200);

    const spec = (await (await fixture.service.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
    const writes = Object.entries(spec.paths)
      .filter(([path]) => path.startsWith('/api/v1/tasks/{id}'))
      .flatMap(([path, operations]) => Object.keys(operations).filter((method) => method !== 'get').map((method) => ({ method: method.toUpperCase(), path })));
    expect(writes.map(({ method, path }) => `${method} ${path}`).sort()).toEqual(
      expect.arrayContaining(['DELETE /api/v1/tasks/{id}', 'POST /api/v1/tasks/{id}/merge', 'POST /api/v1/tasks/{id}/discard', 'POST /api/v1/tasks/{id}/pull-request', 'POST /api/v1/tasks/{id}/attempts/{label}/follow-up']),
    );
    for (const { method, path } of writes) {
      const concrete = path.replace('{id}', task.id).replace('{label}', 'command-1').replace('{callbackId}', '00000000-0000-4000-8000-000000000000');
      const init = method === 'POST' ? { method, json: path.endsWith('/callbacks') ? { url: 'http://127.0.0.1:9/hook' } : path.endsWith('follow-up') ? { prompt: 'more' } : {} } : { method };
      const refused = await as(reader.secret, concrete, init);
      const body = (await refused.json()) as ErrorBody;
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(body.error?.code, `${method} ${path}`).toBe('not_task_owner');
      expect(body.error?.message).toContain('for the key that submitted the task, or an admin key');
      // The owner and an admin get past the check (whatever the route then says of a pending task).
      for (const secret of [owner.secret, TEST_API_KEY]) {
        if (method === 'DELETE' && path === '/api/v1/tasks/{id}') continue;
        const allowed = (await (await as(secret, concrete, init)).json()) as ErrorBody;
        expect(allowed.error?.code, `${method} ${path}`).not.toBe('not_task_owner');
      }
    }
    expect(((await (await as(owner.secret, `/api/v1/tasks/${task.id}`)).json()) as { status: string }).status).toBe('pending');
    expect((await as(owner.secret, `/api/v1/tasks/${task.id}`, { method: 'DELETE' })).status).toBe(202);
  });

  it('lets a key without command set only the setup and verify commands the repository names in .kage.json', async () => {
    const claudeOnly = await makeKey({ name: 'claude only', scopes: ['tasks:write'], allowedAgents: ['claude'] });
    const claude = { agents: [{ agent: 'claude' }] };
    const refusals: Record<string, unknown>[] = [
      { ...claude, verify: { command: ['bash', '-c', 'id > /tmp/owned'] } },
      { ...claude, setup: { command: ['bash', '-c', 'id > /tmp/owned'] } },
      { ...claude, setup: { command: ['npm', 'ci', '--ignore-scripts=false'] } },
      { agents: [{ agent: 'claude', command: ['bash', '-c', 'id'] }] },
    ];
    for (const body of refusals) {
      const response = await submit(claudeOnly.secret, body);
      const error = ((await response.json()) as ErrorBody).error;
      expect(response.status, JSON.stringify(body)).toBe(403);
      expect(error?.code).toBe('command_not_allowed');
      expect(error?.message).toContain('may not run programs of its own choosing');
    }
    const named = await submit(claudeOnly.secret, { ...claude, setup: { command: ['npm', 'ci'] }, verify: { command: ['npm', 'test'] } });
    expect(named.status).toBe(202);

    const bare = await createTestRepo();
    try {
      const response = await submit(claudeOnly.secret, { ...claude, repository: { path: bare.path }, verify: { command: ['npm', 'test'] } });
      expect(response.status).toBe(403);
      expect(((await response.json()) as ErrorBody).error?.message).toContain("the repository's .kage.json names");
    } finally {
      await bare.cleanup();
    }
    const withCommand = await makeKey({ name: 'may run command', scopes: ['tasks:write'], allowedAgents: ['claude', 'command'] });
    expect((await submit(withCommand.secret, { ...claude, verify: { command: ['bash', '-c', 'true'] } })).status).toBe(202);
    expect((await submit(TEST_API_KEY, { ...claude, verify: { command: ['bash', '-c', 'true'] } })).status).toBe(202);
  });

  it("refuses a repository URL by the key's limits before contacting it", async () => {
    const connections: Socket[] = [];
    const server = createServer((socket) => {
      connections.push(socket);
      socket.destroy();
    });
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    try {
      const rooted = await makeKey({ name: 'rooted', scopes: ['tasks:write'], repositoryRoots: [fixture.repo.path] });
      const claudeOnly = await makeKey({ name: 'claude only', scopes: ['tasks:write'], allowedAgents: ['claude'] });
      const url = `https://127.0.0.1:${port}/x.git`;
      const cases = [
        { secret: rooted.secret, body: { repository: { url } }, code: 'repository_not_allowed' },
        { secret: claudeOnly.secret, body: { repository: { url } }, code: 'agent_not_allowed' },
        { secret: claudeOnly.secret, body: { repository: { url }, agents: [{ agent: 'claude' }], verify: { command: ['make', 'check'] } }, code: 'command_not_allowed' },
      ];
      for (const { secret, body, code } of cases) {
        const response = await submit(secret, body);
        const error = ((await response.json()) as ErrorBody).error;
        expect(response.status, code).toBe(403);
        expect(error?.code).toBe(code);
        expect(error?.message).not.toMatch(/ls-remote|fatal|unable to access/);
      }
      expect(connections).toHaveLength(0);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
