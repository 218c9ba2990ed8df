import { statSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createTestRepo, makeTempDir, runGitIn } from '../../support/git-repo.ts';
import { driverKinds } from '../../support/databases.ts';
import { startTestService, TEST_API_KEY, type TestResponse } from '../../support/service-harness.ts';
import { serviceWithRepo } from '../../support/service-with-repo.ts';

// No workers: tasks stay pending, so these tests see exactly what the API stored.
describe.each(driverKinds)('task API on %s', (kind) => {
  const submit = (overrides: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    fixture.service.request('/api/v1/tasks', {
      method: 'POST',
      headers,
      json: {
        description: 'Add a greeting file',
        repository: { path: fixture.repo.path },
        agents: [{ agent: 'command', command: ['node', '-e', 'console.log(1)'] }],
        ...overrides,
      },
    });

  const fixture = serviceWithRepo({ kind, workers: 0 });

  describe('authentication', () => {
    it('rejects a request without a key', async () => {
      const response = await fixture.service.request('/api/v1/tasks', { headers: { authorization: '' , 'x-api-key': '' } });
      expect(response.status).toBe(401);
      expect((await response.json()).error.code).toBe('unauthorized');
    });
    it('rejects a wrong key', async () => {
      const response = await fixture.service.request('/api/v1/tasks', { headers: { 'x-api-key': 'nope' } });
      expect(response.status).toBe(401);
      expect((await response.json()).error.message).toMatch(/Invalid API key/);
    });
    it('accepts the key as X-API-Key and as a Bearer token', async () => {
      expect((await fixture.service.request('/api/v1/tasks', { headers: { 'x-api-key': TEST_API_KEY } })).status).toBe(200);
      expect((await fixture.service.request('/api/v1/tasks', { headers: { authorization: `Bearer ${TEST_API_KEY}` } })).status).toBe(200);
    });
    it('leaves /health and / open', async () => {
      const health = await fixture.service.services.app.request('/health');
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', database: kind, sandbox: { mode: 'bwrap', configured: 'auto' } });
      expect((await fixture.service.services.app.request('/')).status).toBe(200);
    });
  });

  describe('tasks', () => {
    it('submits a task: 202, pending, base commit resolved, labels and branches assigned', async () => {
      const response = await submit({ agents: [{ agent: 'command', command: ['true'] }, { agent: 'command', command: ['true'] }] });
      expect(response.status).toBe(202);
      const task = await response.json();
      expect(task.status).toBe('pending');
      // HEAD is recorded as the branch checked out at submission: the default merge target.
      expect(task.repository).toEqual({ path: fixture.repo.path, url: null, credential: null, baseRef: 'main', baseCommit: await fixture.repo.head() });
      expect(task.agents.map((agent: { label: string }) => agent.label)).toEqual(['command-1', 'command-2']);
      expect(task.agents[0].branch).toBe(`kage/${task.id.replaceAll('-', '').slice(0, 12)}/command-1`);
      expect(response.headers.get('location')).toBe(`/api/v1/tasks/${task.id}`);
      const events = await fixture.service.services.events.listAfter(task.id, 0, 10);
      expect(events.map((event) => event.type)).toEqual(['task.queued']);
    });

    it('gets a task by id, and 404 for an unknown one, 400 for a malformed id', async () => {
      const created = await (await submit()).json();
      const fetched = await fixture.service.request(`/api/v1/tasks/${created.id}`);
      expect(fetched.status).toBe(200);
      expect((await fetched.json()).id).toBe(created.id);
      const missing = await fixture.service.request('/api/v1/tasks/00000000-0000-4000-8000-000000000000');
      expect(missing.status).toBe(404);
      expect((await missing.json()).error.code).toBe('not_found');
      expect((await fixture.service.request('/api/v1/tasks/not-a-uuid')).status).toBe(400);
    });

    it('lists tasks newest first with a total, filtered by status, paginated within bounds', async () => {
      for (let i = 0; i < 3; i += 1) await submit({ description: `page test ${i}` });
      const page = await (await fixture.service.request('/api/v1/tasks?page=1&pageSize=2')).json();
      expect(page.items).toHaveLength(2);
      expect(page.total).toBeGreaterThanOrEqual(3);
      expect(page.pageSize).toBe(2);
      const second = await (await fixture.service.request('/api/v1/tasks?page=2&pageSize=2')).json();
      expect(second.items[0].id).not.toBe(page.items[0].id);
      const pending = await (await fixture.service.request('/api/v1/tasks?status=pending&pageSize=100')).json();
      expect(pending.items.every((task: { status: string }) => task.status === 'pending')).toBe(true);
      expect((await fixture.service.request('/api/v1/tasks?pageSize=101')).status).toBe(400);
      expect((await fixture.service.request('/api/v1/tasks?page=0')).status).toBe(400);
      expect((await fixture.service.request('/api/v1/tasks?status=bogus')).status).toBe(400);
    });

    it('cancels a pending task at once, and refuses to cancel it again (409)', async () => {
      const created = await (await submit()).json();
      const cancelled = await fixture.service.request(`/api/v1/tasks/${created.id}`, { method: 'DELETE' });
      expect(cancelled.status).toBe(202);
      expect((await cancelled.json()).status).toBe('cancelled');
      const again = await fixture.service.request(`/api/v1/tasks/${created.id}`, { method: 'DELETE' });
      expect(again.status).toBe(409);
      const events = await fixture.service.services.events.listAfter(created.id, 0, 10);
      expect(events.map((event) => event.type)).toEqual(['task.queued', 'task.cancelled']);
    });

    it('reports stats by status', async () => {
      const stats = await (await fixture.service.request('/api/v1/tasks/stats')).json();
      expect(stats.byStatus.pending).toBeGreaterThan(0);
      expect(stats.total).toBe(Object.values(stats.byStatus as Record<string, number>).reduce((a, b) => a + b, 0));
      expect(stats).toHaveProperty('runningAgents', 0);
    });
  });

  describe('idempotency', () => {
    it('returns the same task for the same Idempotency-Key, and 409 when the body differs', async () => {
      const first = await submit({}, { 'idempotency-key': `key-${kind}` });
      const second = await submit({}, { 'idempotency-key': `key-${kind}` });
      expect(first.status).toBe(202);
      expect(second.status).toBe(200);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect((await second.json()).id).toBe((await first.json()).id);
      const different = await submit({ description: 'something else' }, { 'idempotency-key': `key-${kind}` });
      expect(different.status).toBe(409);
      expect((await different.json()).error.code).toBe('idempotency_key_reused');
    });
    it('makes one task of 30 concurrent submissions with one Idempotency-Key', async () => {
      const answers = await Promise.all(Array.from({ length: 30 }, () => submit({}, { 'idempotency-key': `burst-${kind}` })));
      const ids = new Set(await Promise.all(answers.map(async (answer) => (await answer.json()).id)));
      expect(ids.size).toBe(1);
      expect(answers.filter((answer) => answer.status === 202)).toHaveLength(1);
      expect(answers.every((answer) => [200, 202].includes(answer.status))).toBe(true);
    });
  });

  describe('authentication', () => {
    it('refuses every route and method of the API without a key, or with a wrong one', async () => {
      const document = (await (await fixture.service.request('/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
      const sample = '00000000-0000-4000-8000-000000000000';
      const calls = Object.entries(document.paths)
        .filter(([path]) => path.startsWith('/api/v1/'))
        .flatMap(([path, methods]) => Object.keys(methods).map((method) => [method.toUpperCase(), path.replace(/\{[^}]+\}/g, sample)] as const));
      expect(calls.length).toBeGreaterThan(15);
      for (const [method, path] of calls) {
        for (const headers of [{}, { 'x-api-key': 'wrong-key' }, { authorization: 'Bearer wrong-key' }]) {
          const response = await fixture.service.services.app.request(path, {
            method,
            headers: { ...headers, ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
            body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
          });
          expect(response.status, `${method} ${path} ${JSON.stringify(headers)}`).toBe(401);
        }
      }
    });
  });

  describe('validation', () => {
    it('rejects an unknown agent, naming the field', async () => {
      const response = await submit({ agents: [{ agent: 'hal9000' }] });
      expect(response.status).toBe(400);
      const body = await response.json();
      expect(body.error.code).toBe('validation_failed');
      expect(body.error.details[0].field).toBe('agents.0.agent');
    });
    it('refuses extra arguments that override the flags the service sets for safety, naming the flag', async () => {
      for (const [agent, args, flag] of [
        ['claude', ['--dangerously-skip-permissions'], '--dangerously-skip-permissions'],
        ['claude', ['--permission-mode', 'bypassPermissions'], '--permission-mode'],
        ['claude', ['--add-dir=/'], '--add-dir'],
        ['codex', ['-s', 'danger-full-access'], '-s'],
        ['codex', ['--dangerously-bypass-approvals-and-sandbox'], '--dangerously-bypass-approvals-and-sandbox'],
        ['codex', ['-c', 'sandbox_mode="danger-full-access"'], '-c sandbox_mode'],
        ['codex', ['--config=approval_policy=never'], '--config approval_policy'],
        ['gemini', ['--yolo'], '--yolo'],
      ] as const) {
        const response = await submit({ agents: [{ agent: 'command', command: ['true'] }, { agent, args }] });
        expect(response.status, `${agent} ${args.join(' ')}`).toBe(400);
        const { error } = await response.json();
        expect(error).toMatchObject({ code: 'protected_flag', details: { field: 'agents.1.args', flag } });
        expect(error.message).toContain(flag);
      }
      expect((await submit({ agents: [{ agent: 'claude', args: ['--max-turns', '20'] }] })).status).toBe(202);
      expect((await submit({ agents: [{ agent: 'codex', args: ['-c', 'model_provider=mock'] }] })).status).toBe(202);
    });
    it('rejects text the database cannot store (NUL, lone surrogates) with a 400 naming the field', async () => {
      for (const [body, field] of [
        [{ description: 'a\u0000b' }, 'description'],
        [{ agents: [{ agent: 'claude', model: 'x\ud800' }] }, 'agents.0.model'],
        [{ agents: [{ agent: 'command', command: ['echo', 'a\u0000'] }] }, 'agents.0.command.1'],
      ] as const) {
        const response = await submit(body);
        expect(response.status, field).toBe(400);
        expect((await response.json()).error).toMatchObject({ code: 'invalid_text', details: { field } });
      }
      const merge = await fixture.service.request('/api/v1/tasks/00000000-0000-4000-8000-000000000000/merge', {
        method: 'POST',
        json: { message: 'bad \u0000 message' },
      });
      expect(merge.status).toBe(400);
      // In a query string too, which goes to the database as it is (agents/stats answered 500 before).
      for (const path of ['/api/v1/agents/stats?repository=%00', '/api/v1/agents/stats?repository=/tmp/a%00b', '/api/v1/tasks?status=running&x%00=1']) {
        const response = await fixture.service.request(path);
        expect(response.status, path).toBe(400);
        expect((await response.json()).error.code, path).toBe('invalid_text');
      }
    });
    it('keeps its data folder private to its user', async () => {
      expect(statSync(fixture.service.dataDir).mode & 0o777).toBe(0o700);
    });
    it('rejects unknown fields, naming each with the field that was probably meant', async () => {
      const response = await submit({ budget: 2, agents: [{ agent: 'claude', modle: 'x' }] });
      expect(response.status).toBe(400);
      const { error } = await response.json();
      expect(error.details).toEqual(
        expect.arrayContaining([
          { field: 'budget', message: 'unknown field; did you mean budgetUsd?' },
          { field: 'agents.0.modle', message: 'unknown field; did you mean model?' },
        ]),
      );
      expect((await submit({ wholly_unrelated_thing: true })).status).toBe(400);
    });
    it('rejects missing required fields', async () => {
      const response = await fixture.service.request('/api/v1/tasks', { method: 'POST', json: { description: 'x' } });
      expect(response.status).toBe(400);
      const fields = (await response.json()).error.details.map((detail: { field: string }) => detail.field);
      expect(fields).toEqual(expect.arrayContaining(['repository', 'agents']));
    });
    it('rejects more than 8 agents, and a command agent without a command', async () => {
      expect((await submit({ agents: Array.from({ length: 9 }, () => ({ agent: 'claude' })) })).status).toBe(400);
      const noCommand = await submit({ agents: [{ agent: 'command' }] });
      expect((await noCommand.json()).error.details[0].field).toBe('agents.0.command');
    });
    it('rejects a repository that does not exist, is relative, or is not a git repository', async () => {
      const missing = await submit({ repository: { path: '/nonexistent/kage' } });
      expect(missing.status).toBe(400);
      expect((await missing.json()).error.code).toBe('invalid_repository');
      expect((await submit({ repository: { path: 'relative/path' } })).status).toBe(400);
      const notGit = await submit({ repository: { path: '/tmp' } });
      expect((await notGit.json()).error.message).toMatch(/not a git repository/);
    });
    it('rejects a base ref that is not a commit, or looks like an option', async () => {
      const unknown = await submit({ repository: { path: fixture.repo.path, baseRef: 'no-such-branch' } });
      expect(unknown.status).toBe(400);
      expect((await unknown.json()).error.code).toBe('invalid_base_ref');
      expect((await submit({ repository: { path: fixture.repo.path, baseRef: '--output=/tmp/x' } })).status).toBe(400);
    });
    it('answers malformed JSON with 400, a non-JSON body with 415, a body over 1 MB with 413', async () => {
      const malformed = await fixture.service.request('/api/v1/tasks', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"description":' });
      expect(malformed.status).toBe(400);
      const text = await fixture.service.request('/api/v1/tasks', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
      expect(text.status).toBe(415);
      const huge = await submit({ description: 'x'.repeat(1_100_000) });
      expect(huge.status).toBe(413);
    });
  });

  describe('documents', () => {
    it('serves an OpenAPI document generated from the schemas, and offline docs', async () => {
      const doc = await (await fixture.service.request('/openapi.json')).json();
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.paths['/api/v1/tasks'].post.requestBody.content['application/json'].schema.$ref).toBe('#/components/schemas/SubmitTask');
      expect(doc.components.schemas.Task).toBeDefined();
      const docs = await fixture.service.request('/docs');
      expect(await docs.text()).toContain('/docs/assets/swagger-ui-bundle.js');
      const asset = await fixture.service.request('/docs/assets/swagger-ui-bundle.js');
      expect(asset.status).toBe(200);
      expect((await asset.text()).length).toBeGreaterThan(100_000);
    });
  });
});

describe('a POST without a body, as curl -X POST sends it', () => {
  it('needs no Content-Type', async () => {
    const service = await startTestService({ kind: 'pglite', workers: 0, listen: true });
    try {
      const { port } = new URL(service.url);
      // No Content-Length, no Transfer-Encoding, no Content-Type: exactly what curl sends.
      const answer = await new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => {
          socket.write(
            `POST /api/v1/tasks/00000000-0000-4000-8000-000000000000/discard HTTP/1.1\r\nHost: 127.0.0.1\r\nX-API-Key: ${TEST_API_KEY}\r\nConnection: close\r\n\r\n`,
          );
        });
        let text = '';
        socket.on('data', (chunk) => (text += chunk));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(/^HTTP\/1\.1 404/);
    } finally {
      await service.stop();
    }
  });
});

describe('allowed agents', () => {
  it('refuses an agent KAGE_ALLOWED_AGENTS leaves out (403, naming it and what is allowed)', async () => {
    const repo = await createTestRepo();
    const service = await startTestService({ kind: 'pglite', workers: 0, env: { KAGE_ALLOWED_AGENTS: 'claude,codex' } });
    try {
      const submit = (agent: string) =>
        service.request('/api/v1/tasks', {
          method: 'POST',
          json: { description: 'x', repository: { path: repo.path }, agents: [{ agent, command: ['true'] }] },
        });
      const refused = await submit('command');
      expect(refused.status).toBe(403);
      expect((await refused.json()).error).toMatchObject({
        code: 'agent_not_allowed',
        details: { field: 'agents.0.agent', agent: 'command', allowed: ['claude', 'codex'] },
      });
      expect((await submit('claude')).status).toBe(202);
    } finally {
      await service.stop();
      await repo.cleanup();
    }
  });
});

describe('repository roots, checked on what git will work on', () => {
  it('refuses escapes through an outer repository, a .git file, core.worktree; and a subfolder of a repository', async () => {
    const base = await makeTempDir('kage-roots-');
    const outer = join(base, 'outer');
    const root = join(outer, 'inner');
    const outside = await createTestRepo();
    await mkdir(join(root, 'plain', 'sub'), { recursive: true });
    await runGitIn(base, ['init', '--quiet', outer]);
    // A repository inside the root whose .git file points at a git dir outside it.
    await mkdir(join(root, 'linked'));
    await writeFile(join(root, 'linked', '.git'), `gitdir: ${join(outside.path, '.git')}\n`);
    // A repository inside the root whose core.worktree is outside it.
    const moved = join(root, 'moved');
    await runGitIn(root, ['init', '--quiet', moved]);
    await runGitIn(moved, ['config', 'core.worktree', outside.path]);
    // A real repository inside the root, for the subfolder case.
    const good = await createTestRepo({ 'README.md': '# good\n', 'src/app.js': 'x\n' });
    const inRoot = join(root, 'good');
    await rename(good.path, inRoot);
    const service = await startTestService({ kind: 'pglite', workers: 0, env: { KAGE_REPO_ROOTS: root } });
    const submit = (path: string) =>
      service.request('/api/v1/tasks', { method: 'POST', json: { description: 'x', repository: { path }, agents: [{ agent: 'claude' }] } });
    try {
      for (const path of [join(root, 'plain', 'sub'), join(root, 'linked'), moved]) {
        const response = await submit(path);
        expect(response.status, path).toBe(403);
        expect((await response.json()).error.code).toBe('repository_not_allowed');
      }
      const subfolder = await submit(join(inRoot, 'src'));
      expect(subfolder.status).toBe(400);
      expect((await subfolder.json()).error.message).toContain(`inside the repository ${inRoot}`);
      expect((await submit(inRoot)).status).toBe(202);
    } finally {
      await service.stop();
      await outside.cleanup();
      await rm(base, { recursive: true, force: true });
    }
  });
});

describe('repository roots and rate limit', () => {
  it('refuses a repository outside KAGE_REPO_ROOTS (403) and answers 429 with Retry-After past the limit', async () => {
    const repo = await createTestRepo();
    const service = await startTestService({
      kind: 'pglite',
      workers: 0,
      env: { KAGE_REPO_ROOTS: '/nonexistent-root', KAGE_RATE_LIMIT_PER_MINUTE: '3' },
    });
    try {
      const outside = await service.request('/api/v1/tasks', {
        method: 'POST',
        json: { description: 'x', repository: { path: repo.path }, agents: [{ agent: 'claude' }] },
      });
      expect(outside.status).toBe(403);
      expect((await outside.json()).error.code).toBe('repository_not_allowed');
      let limited: TestResponse | undefined;
      for (let i = 0; i < 5 && !limited; i += 1) {
        const response = await service.request('/api/v1/tasks');
        if (response.status === 429) limited = response;
      }
      expect(limited?.status).toBe(429);
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    } finally {
      await service.stop();
      await repo.cleanup();
    }
  });
});
