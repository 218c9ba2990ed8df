import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerMergeRoutes } from '../../../service/src/api/routes/merge-routes.ts';
import { TaskRepository } from '../../../service/src/db/task-repository.ts';
import { RepoLock } from '../../../service/src/git/repo-lock.ts';
import { createMergeService } from '../../../service/src/merge/merge-service.ts';
import { driverKinds } from '../../support/databases.ts';
import { createTestRepo, type TestRepo } from '../../support/git-repo.ts';
import { startTestService, TEST_API_KEY, type TestService } from '../../support/service-harness.ts';
import type { Services } from '../../../service/src/services.ts';
import { createHttpRoot } from '../../../service/src/http.ts';
import { BrowserSessions } from '../../../service/src/access/browser-sessions.ts';
import { KeyRing } from '../../../service/src/access/key-ring.ts';
import { registerTaskRoutes } from '../../../service/src/api/routes/task-routes.ts';

/** Response bodies as tests read them, without a cast at every step. */
type Json = any;

/** A `command` agent that writes files with node (argv, no shell). */
const writer = (files: Record<string, string>) => ({
  agent: 'command',
  command: ['node', '-e', `for (const [f, c] of Object.entries(${JSON.stringify(files)})) require('fs').writeFileSync(f, c)`],
});

describe.each(driverKinds)('merge API on %s', (kind) => {
  let service: TestService;
  let repo: TestRepo;
  let app: Services['app'];
  let taskId: string;
  let short: string;

  const call = async (path: string, init: { method?: string; json?: unknown } = {}): Promise<{ status: number; body: Json }> => {
    const response = await app.request(`/api/v1${path}`, {
      method: init.method ?? 'GET',
      headers: { 'x-api-key': TEST_API_KEY, ...(init.json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.json === undefined ? undefined : JSON.stringify(init.json),
    });
    return { status: response.status, body: await response.json() };
  };

  beforeAll(async () => {
    repo = await createTestRepo({ 'greeting.txt': 'hello\n' });
    service = await startTestService({ kind, workers: 1 });
    const { db, logger, tasks, events, worktrees, remotes } = service.services;
    const merges = createMergeService({ db, tasks: new TaskRepository(db), events, worktrees, lock: new RepoLock(db), remotes });
    const taskRepository = new TaskRepository(db);
    app = createHttpRoot({
      db,
      logger,
      keys: new KeyRing([TEST_API_KEY]),
      sessions: new BrowserSessions(db),
      publicUrl: '',
      draining: () => false,
      api: {
        tasks: taskRepository,
        rateLimitPerMinute: 100_000,
        routes: (api) => {
          registerTaskRoutes(api, { tasks, publicUrl: '' });
          registerMergeRoutes(api, merges);
        },
      },
    });

    const submitted = await call('/tasks', {
      method: 'POST',
      json: {
        description: 'Greet better',
        repository: { path: repo.path, baseRef: 'main' },
        agents: [writer({ 'greeting.txt': 'hello from one\n', 'one.txt': '1\n' }), writer({ 'two.txt': '2\n' })],
      },
    });
    expect(submitted.status).toBe(202);
    taskId = submitted.body.id;
    short = taskId.replaceAll('-', '').slice(0, 12);
    for (;;) {
      const { body } = await call(`/tasks/${taskId}`);
      if (!['pending', 'running'].includes(body.status)) {
        expect(body.status).toBe('completed');
        break;
      }
      await new Promise((done) => setTimeout(done, 100));
    }
  });
  afterAll(async () => {
    await service?.stop();
    await repo?.cleanup();
  });

  it("shows an attempt's diff against the base", async () => {
    const { status, body } = await call(`/tasks/${taskId}/diff?agent=command-1`);
    expect(status).toBe(200);
    expect(body.branch).toBe(`kage/${short}/command-1`);
    expect(body.patch).toContain('+hello from one');
    expect(body.stats).toMatchObject({ insertions: 2, deletions: 1 });
    expect(body.stats.files.map((file: { path: string }) => file.path)).toEqual(['greeting.txt', 'one.txt']);
  });

  it('reports conflicts, refuses an auto merge with 409 and records it, offers a manual merge', async () => {
    const mainBefore = await repo.commit({ 'greeting.txt': 'hello from main\n' }, 'main edits the greeting');

    const check = await call(`/tasks/${taskId}/conflicts?agent=command-1`);
    expect(check.status).toBe(200);
    expect(check.body).toMatchObject({ clean: false, targetBranch: 'main', sourceBranch: `kage/${short}/command-1` });
    expect(check.body.conflicts).toEqual([expect.objectContaining({ path: 'greeting.txt', kind: 'content' })]);

    const refused = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-1' } });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('merge_conflicts');
    expect(refused.body.error.details.conflicts[0].path).toBe('greeting.txt');
    expect(await repo.head()).toBe(mainBefore);

    const manual = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-1', strategy: 'manual' } });
    expect(manual.status).toBe(200);
    expect(manual.body).toMatchObject({ status: 'manual', reviewBranch: `kage/${short}/merge-command-1` });
    expect(await repo.git('show', `kage/${short}/merge-command-1:greeting.txt`)).toContain('<<<<<<<');
    expect(await repo.head()).toBe(mainBefore);
  });

  it('refuses to merge into a dirty checkout, then merges once it is clean', async () => {
    await repo.write({ 'greeting.txt': 'unsaved\n' });
    const dirty = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-2' } });
    expect(dirty.status).toBe(409);
    expect(dirty.body.error.code).toBe('dirty_checkout');
    expect(dirty.body.error.details.paths).toEqual(['greeting.txt']);
    await repo.git('checkout', '--', 'greeting.txt');

    // A file of the user's that git does not track, where the attempt puts one: 409, untouched.
    await repo.write({ 'two.txt': 'my own two\n' });
    const inTheWay = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-2' } });
    expect(inTheWay.status).toBe(409);
    expect(inTheWay.body.error).toMatchObject({ code: 'untracked_files_in_the_way', details: { paths: ['two.txt'], targetBranch: 'main' } });
    expect(await repo.read('two.txt')).toBe('my own two\n');
    await repo.write({ 'two.txt': null });

    const merged = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-2', message: 'Add two' } });
    expect(merged.status).toBe(200);
    expect(merged.body).toMatchObject({ status: 'merged', strategy: 'auto', targetBranch: 'main', updatedCheckouts: [repo.path] });
    expect(await repo.head()).toBe(merged.body.commit);
    expect(await repo.read('two.txt')).toBe('2\n');
    expect(await repo.git('log', '-1', '--format=%s')).toBe('Add two');
    const events = await service.services.events.listAfter(taskId, 0, 100);
    expect(events.filter((event) => event.type === 'merge.completed').map((event) => event.agentLabel)).toEqual(['command-1', 'command-2']);
  });

  it('two concurrent merges of one attempt merge it once and announce one merge.completed', async () => {
    const submitted = await call('/tasks', {
      method: 'POST',
      json: { description: 'Add three', repository: { path: repo.path, baseRef: 'main' }, agents: [writer({ 'three.txt': '3\n' })] },
    });
    const id = submitted.body.id;
    for (;;) {
      const { body } = await call(`/tasks/${id}`);
      if (!['pending', 'running'].includes(body.status)) break;
      await new Promise((done) => setTimeout(done, 100));
    }
    const answers = await Promise.all([1, 2].map(() => call(`/tasks/${id}/merge`, { method: 'POST', json: { agent: 'command-1' } })));
    expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
    const events = await service.services.events.listAfter(id, 0, 100);
    expect(events.filter((event) => event.type === 'merge.completed')).toHaveLength(1);
    expect(await repo.read('three.txt')).toBe('3\n');
    await call(`/tasks/${id}/discard`, { method: 'POST' });
  });

  it("merges with theirs: the attempt's side wins the conflict", async () => {
    const merged = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-1', strategy: 'theirs' } });
    expect(merged.status).toBe(200);
    expect(merged.body.conflicts.map((c: { path: string }) => c.path)).toEqual(['greeting.txt']);
    expect(await repo.read('greeting.txt')).toBe('hello from one\n');
    expect(await repo.read('two.txt')).toBe('2\n');
    const history = await call(`/tasks/${taskId}/merges`);
    expect(history.body.items.map((m: { status: string }) => m.status)).toEqual(['conflicts', 'manual', 'merged', 'merged']);
  });

  it('answers 409 naming the problem when the target shares no history with the attempt', async () => {
    const orphan = await repo.git('commit-tree', 'main^{tree}', '-m', 'a root commit of its own');
    await repo.git('branch', 'orphan-target', orphan);

    const check = await call(`/tasks/${taskId}/conflicts?agent=command-2&target=orphan-target`);
    expect(check.status).toBe(409);
    expect(check.body.error).toMatchObject({ code: 'unrelated_histories', details: { targetCommit: orphan } });
    expect(check.body.error.message).toContain('share no history');
    const merge = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-2', strategy: 'theirs', targetBranch: 'orphan-target' } });
    expect(merge.status).toBe(409);
    expect(merge.body.error.code).toBe('unrelated_histories');
    expect(await repo.git('rev-parse', 'orphan-target')).toBe(orphan);
  });

  it('answers 404 for unknown tasks and attempts, 400 for a bad label', async () => {
    expect((await call('/tasks/00000000-0000-4000-8000-000000000000/diff')).status).toBe(404);
    const unknown = await call(`/tasks/${taskId}/diff?agent=nobody`);
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.code).toBe('agent_not_found');
    expect((await call(`/tasks/${taskId}/diff?agent=--output=x`)).status).toBe(400);
    const badTarget = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { targetBranch: 'no-such-branch' } });
    expect(badTarget.status).toBe(404);
    expect(badTarget.body.error.code).toBe('branch_not_found');
  });

  it("refuses an attempt branch as the target (this task's or another's): it is that attempt's result", async () => {
    const short = taskId.replaceAll('-', '').slice(0, 12);
    const before = await repo.head(`kage/${short}/command-2`);
    for (const targetBranch of [`kage/${short}/command-2`, 'kage/0123456789ab/claude-1']) {
      const merge = await call(`/tasks/${taskId}/merge`, { method: 'POST', json: { agent: 'command-1', strategy: 'theirs', targetBranch } });
      expect(merge.status, JSON.stringify(merge.body)).toBe(400);
      expect(merge.body.error).toMatchObject({ code: 'target_is_attempt_branch', details: { targetBranch } });
      const conflicts = await call(`/tasks/${taskId}/conflicts?agent=command-1&target=${encodeURIComponent(targetBranch)}`);
      expect(conflicts.status).toBe(400);
    }
    expect(await repo.head(`kage/${short}/command-2`)).toBe(before);
  });

  it("discards the task's branches, review branch included", async () => {
    const discarded = await call(`/tasks/${taskId}/discard`, { method: 'POST' });
    expect(discarded.status).toBe(200);
    expect(discarded.body.deletedBranches.sort()).toEqual(
      [`kage/${short}/command-1`, `kage/${short}/command-2`, `kage/${short}/merge-command-1`].sort(),
    );
    expect(await repo.git('branch', '--list', 'kage/*')).toBe('');
    const gone = await call(`/tasks/${taskId}/diff?agent=command-1`);
    expect(gone.status).toBe(409);
    expect(gone.body.error.code).toBe('attempt_discarded');
  });
});
